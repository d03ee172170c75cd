//! IP to country and to autonomous system and organization, from bundled range tables
