//! Renders the SDF glyph ranges the local basemap's labels need, from
//! Debian's Noto Sans (`fonts-noto-core`, SIL OFL 1.1), into
//! `web/vendor/fonts/{fontstack}/{start}-{end}.pbf`.
//!
//! Usage: `cargo run --manifest-path tools/make-glyphs/Cargo.toml -- [FONT_DIR] [OUT_DIR]`
//! (defaults: /usr/share/fonts/truetype/noto and web/vendor/fonts).

use std::error::Error;
use std::path::PathBuf;

use pbf_font_tools::prost::Message as _;
use pbf_font_tools::{Glyphs, glyph_range_for_font};

/// Each font stack and the file it is drawn from. Debian ships no Noto Sans
/// Medium: witgis answers that stack with the regular glyphs.
const STACKS: [(&str, &str); 2] =
    [("Noto Sans Regular", "NotoSans-Regular.ttf"), ("Noto Sans Italic", "NotoSans-Italic.ttf")];

/// The ranges shipped: Latin-1, Latin Extended-A (Lithuanian) and -B,
/// combining marks and Greek, Cyrillic (Bulgarian), Latin Extended
/// Additional, general punctuation (dashes, quotes).
const RANGES: [u32; 7] = [0, 256, 512, 768, 1024, 7680, 8192];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let fonts = args.next().map_or_else(|| PathBuf::from("/usr/share/fonts/truetype/noto"), PathBuf::from);
    let out = args.next().map_or_else(|| PathBuf::from("web/vendor/fonts"), PathBuf::from);
    for (stack, file) in STACKS {
        let dir = out.join(stack);
        std::fs::create_dir_all(&dir)?;
        for start in RANGES {
            let end = start + 255;
            let mut glyphs: Glyphs = glyph_range_for_font(fonts.join(file), start, end, 24, 8, 0.25)?;
            for s in &mut glyphs.stacks {
                s.name = stack.to_owned();
            }
            let bytes = glyphs.encode_to_vec();
            std::fs::write(dir.join(format!("{start}-{end}.pbf")), &bytes)?;
        }
        println!("{stack}: {} ranges from {file}", RANGES.len());
    }
    Ok(())
}
