//! Pure detector math: beacons, long connections, bulk uploads; no I/O
