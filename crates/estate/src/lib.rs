//! Inventory, nmap XML and app-list readers; IEEE OUI registry; attribution of devices and apps
