//! The QR code the citizen shows at the check-in desk: the link in one byte-mode segment, error
//! correction level M, the smallest version that holds it, drawn as SVG or PNG with the 4-module
//! quiet zone scanners need. The PNG is written here (1-bit grayscale: signature, IHDR, one zlib
//! IDAT from `miniz_oxide`, IEND, each with its CRC-32) so the core needs no image library.

use qrcode::bits::Bits;
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode, Version};

use super::ShareError;

/// Light modules around the symbol, as ISO/IEC 18004 requires.
pub const QUIET_ZONE_MODULES: u32 = 4;

/// `module_px` is clamped to 1..=this, so a wrong argument cannot ask for a gigabyte image.
pub const MAX_MODULE_PX: u32 = 64;

const ERROR_CORRECTION: EcLevel = EcLevel::M;

/// A rendered QR symbol without its quiet zone. What it encodes is a share's link, key included,
/// so `Debug` shows only its version and size.
#[derive(Clone, PartialEq, Eq)]
pub struct QrImage {
    /// The QR version, 1 to 40 (21 to 177 modules a side).
    pub version: u32,
    /// Modules per side.
    pub size: u32,
    /// `size * size` modules, row by row from the top left; `true` is dark.
    pub modules: Vec<bool>,
}

impl std::fmt::Debug for QrImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrImage")
            .field("version", &self.version)
            .field("size", &self.size)
            .field("modules", &format_args!("<{} hidden>", self.modules.len()))
            .finish()
    }
}

/// Encodes `text` in byte mode at level M, in the smallest version that holds it.
pub fn render(text: &str) -> Result<QrImage, ShareError> {
    for number in 1..=40 {
        let mut bits = Bits::new(Version::Normal(number));
        let pushed = bits
            .push_byte_data(text.as_bytes())
            .and_then(|()| bits.push_terminator(ERROR_CORRECTION));
        match pushed {
            Ok(()) => {}
            Err(QrError::DataTooLong) => continue,
            Err(e) => return Err(qr_failed(e)),
        }
        let code = QrCode::with_bits(bits, ERROR_CORRECTION).map_err(qr_failed)?;
        return Ok(QrImage {
            version: number.unsigned_abs().into(),
            size: u32::try_from(code.width())
                .map_err(|_| ShareError::TooLongForQr { bytes: text.len() })?,
            modules: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        });
    }
    Err(ShareError::TooLongForQr { bytes: text.len() })
}

impl QrImage {
    /// Whether the module at column `x`, row `y` (within the symbol) is dark.
    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        x < self.size
            && y < self.size
            && self
                .modules
                .get(y as usize * self.size as usize + x as usize)
                .copied()
                .unwrap_or(false)
    }

    /// Pixels per side of the image drawn with `module_px`, quiet zone included.
    pub fn image_side(&self, module_px: u32) -> u32 {
        (self.size + 2 * QUIET_ZONE_MODULES) * clamp_module_px(module_px)
    }

    /// A standalone SVG document, black on white, `module_px` pixels per module, with the quiet
    /// zone. Dark modules of a row are merged into runs to keep the file small.
    pub fn to_svg(&self, module_px: u32) -> String {
        let full = self.size + 2 * QUIET_ZONE_MODULES;
        let side = self.image_side(module_px);
        let mut path = String::new();
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.size && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!(
                    "M{} {}h{run}v1h-{run}z",
                    start + QUIET_ZONE_MODULES,
                    y + QUIET_ZONE_MODULES
                ));
            }
        }
        format!(
            concat!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{side}\" ",
                "height=\"{side}\" viewBox=\"0 0 {full} {full}\" shape-rendering=\"crispEdges\">\n",
                "<rect width=\"{full}\" height=\"{full}\" fill=\"#ffffff\"/>\n",
                "<path fill=\"#000000\" d=\"{path}\"/>\n",
                "</svg>\n"
            ),
            side = side,
            full = full,
            path = path
        )
    }

    /// A PNG image (1-bit grayscale, black on white), `module_px` pixels per module, with the
    /// quiet zone.
    pub fn to_png(&self, module_px: u32) -> Vec<u8> {
        let px = clamp_module_px(module_px);
        let side = self.image_side(module_px);

        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&side.to_be_bytes()); // width
        header.extend_from_slice(&side.to_be_bytes()); // height
        header.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, grayscale, deflate, no filter, no interlace

        let mut png = PNG_SIGNATURE.to_vec();
        push_chunk(&mut png, b"IHDR", &header);
        // Level 1: the rows repeat, so the fastest level already compresses them well.
        push_chunk(
            &mut png,
            b"IDAT",
            &miniz_oxide::deflate::compress_to_vec_zlib(&self.scanlines(px), 1),
        );
        push_chunk(&mut png, b"IEND", &[]);
        png
    }

    /// The raw image: per pixel row a filter byte (0, none) then 1 bit per pixel, most significant
    /// first, 1 = white; the last byte of a row is padded with white.
    fn scanlines(&self, px: u32) -> Vec<u8> {
        let full = self.size + 2 * QUIET_ZONE_MODULES;
        let side = (full * px) as usize;
        let row_bytes = side.div_ceil(8);
        let mut raw = Vec::with_capacity((row_bytes + 1) * side);
        for module_y in 0..full {
            let mut row = vec![0xffu8; row_bytes];
            for pixel_x in 0..side {
                let module_x = pixel_x as u32 / px;
                let dark = module_x >= QUIET_ZONE_MODULES
                    && module_y >= QUIET_ZONE_MODULES
                    && self.is_dark(module_x - QUIET_ZONE_MODULES, module_y - QUIET_ZONE_MODULES);
                if dark {
                    row[pixel_x / 8] &= !(0x80 >> (pixel_x % 8));
                }
            }
            for _ in 0..px {
                raw.push(0);
                raw.extend_from_slice(&row);
            }
        }
        raw
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

fn clamp_module_px(module_px: u32) -> u32 {
    module_px.clamp(1, MAX_MODULE_PX)
}

fn qr_failed(error: QrError) -> ShareError {
    ShareError::Malformed(format!("the QR code could not be drawn ({error})"))
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // A chunk of a QR image is far below the 2^31 limit (the largest IDAT is a few megabytes).
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    png.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// CRC-32 (ISO 3309, as PNG and zlib's `crc32` use) over the concatenation of `parts`.
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for part in parts {
        for &byte in *part {
            crc = CRC_TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
        }
    }
    crc ^ 0xffff_ffff
}

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}
