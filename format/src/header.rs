//! The fixed framing around the postcard payload: magic, version, length, CRC-32.
//!
//! ```text
//! 0   4  magic "QUIL"
//! 4   2  format version, u16 little-endian
//! 6   2  reserved, must be 0
//! 8   4  payload length n, u32 little-endian
//! 12  n  payload (postcard)
//! 12+n 4 CRC-32/ISO-HDLC of bytes [0, 12+n), u32 little-endian
//! ```

use crate::Error;

/// The first four bytes of every model file.
pub const MAGIC: [u8; 4] = *b"QUIL";
/// The version this crate writes.
pub const VERSION: u16 = 1;
/// Versions this crate reads.
pub const SUPPORTED_VERSIONS: &[u16] = &[1];
/// Bytes of the header: magic, version, reserved, payload length.
pub const HEADER_LEN: usize = 12;
/// Bytes of the trailer: the CRC-32 over header and payload.
pub const TRAILER_LEN: usize = 4;

/// Slice-by-16 tables (16 KiB) where code size is cheap; on 32-bit targets the 1 KiB byte
/// table, or (without the `crc-table` feature, for the smallest flash) none: a bit at a time.
#[cfg(target_pointer_width = "64")]
pub(crate) const CRC: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);
#[cfg(all(not(target_pointer_width = "64"), feature = "crc-table"))]
pub(crate) const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
#[cfg(all(not(target_pointer_width = "64"), not(feature = "crc-table")))]
pub(crate) const CRC: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// The CRC-32 (ISO-HDLC) every Quill file ends with, for the runtime's own saved bytes (user
/// words) to be checked the same way.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC.checksum(bytes)
}

/// Checks a file's first [`HEADER_LEN`] bytes (magic, version, reserved) and returns the
/// payload length they declare. A reader of a file or stream calls this before reading the
/// rest, so that a wrong file is refused after 12 bytes and the read is bounded.
pub fn declared_payload_len(header: &[u8; HEADER_LEN]) -> Result<u32, Error> {
    let [m0, m1, m2, m3, v0, v1, r0, r1, l0, l1, l2, l3] = *header;
    if [m0, m1, m2, m3] != MAGIC {
        return Err(Error::BadMagic {
            found: [m0, m1, m2, m3],
        });
    }
    // The trainer's checkpoints start "QUILLCKP": they would read as version 0x434c.
    if [v0, v1, r0, r1] == *b"LCKP" {
        return Err(Error::TrainerCheckpoint);
    }
    let version = u16::from_le_bytes([v0, v1]);
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(Error::UnsupportedVersion { found: version });
    }
    if [r0, r1] != [0, 0] {
        return Err(Error::ReservedNotZero);
    }
    Ok(u32::from_le_bytes([l0, l1, l2, l3]))
}

/// Checks the framing and returns the payload slice.
/// The payload of a framed file after checking magic, version and length, and the checksum
/// unless `checksum` is false (bytes verified before; see `Model::from_verified_bytes`).
pub(crate) fn unframe(bytes: &[u8], checksum: bool) -> Result<&[u8], Error> {
    let (header, rest) = bytes
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(Error::TooShort { len: bytes.len() })?;
    let declared = declared_payload_len(header)?;
    let (payload, trailer) = match rest.split_at_checked(declared as usize) {
        Some((p, t)) if t.len() == TRAILER_LEN => (p, t),
        _ => {
            return Err(Error::LengthMismatch {
                declared_payload: declared,
                file_len: bytes.len(),
            });
        }
    };
    let stored = match trailer.first_chunk::<4>() {
        Some(c) => u32::from_le_bytes(*c),
        None => return Err(Error::TooShort { len: bytes.len() }),
    };
    if !checksum {
        return Ok(payload);
    }
    let mut digest = CRC.digest();
    digest.update(header);
    digest.update(payload);
    let computed = digest.finalize();
    if stored != computed {
        return Err(Error::ChecksumMismatch { stored, computed });
    }
    Ok(payload)
}

/// Wraps a payload in header and trailer.
#[cfg(feature = "alloc")]
pub(crate) fn frame(payload: &[u8]) -> Result<alloc::vec::Vec<u8>, Error> {
    let len = u32::try_from(payload.len()).map_err(|_| Error::TooLarge { what: "payload" })?;
    let total = payload
        .len()
        .checked_add(HEADER_LEN + TRAILER_LEN)
        .ok_or(Error::TooLarge { what: "payload" })?;
    let mut out = alloc::vec::Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = CRC.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}
