//! Integration tests of podium-scheduler, in one test binary (STYLE.md): our committed fixture,
//! random instances (property tests), and the shared examples and gen.py instances checked by the
//! reference validate.py (skipped with a note when ../shared is absent).

mod examples;
mod fixture;
mod props;
mod random;
