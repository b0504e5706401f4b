//! Pieces that several pages use.

pub mod field;
pub mod gate;
pub mod header;
pub mod storyboard;
