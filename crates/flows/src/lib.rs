//! Flow-log readers (Zeek, Suricata EVE, nfdump, NetFlow v5/v9/IPFIX, pcap) producing
//! [`FlowRecord`]s.
//!
//! SKELETON: [`FlowRecord`] is the contract the detectors and the CLI code against.

use std::net::IpAddr;

/// How a connection ended, as far as the source tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    #[default]
    Unknown,
    /// Handshake completed / data flowed both ways.
    Established,
    /// Attempt with no answer or rejected (Zeek S0, REJ, RSTOS0, …): not a real contact.
    Failed,
    /// Partial or mid-stream (Zeek OTH, SH, …).
    Partial,
}

/// One normalized flow, whatever the source format.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowRecord {
    /// Start time, microseconds since the Unix epoch, UTC.
    pub ts_us: i64,
    /// Duration in microseconds (0 when unknown).
    pub duration_us: i64,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    pub dst_port: u16,
    /// IANA protocol number (6 TCP, 17 UDP, 1 ICMP).
    pub proto: u8,
    /// Bytes sent by the originator (src → dst), payload or IP bytes as the source counts.
    pub bytes_out: u64,
    /// Bytes sent by the responder (dst → src).
    pub bytes_in: u64,
    pub pkts_out: u64,
    pub pkts_in: u64,
    pub state: ConnState,
}
