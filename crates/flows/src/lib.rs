//! Flow-log readers (Zeek, Suricata EVE, nfdump, NetFlow v5/v9/IPFIX, pcap) producing flow records
