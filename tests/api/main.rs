//! Black-box tests: the real `sohoa` binary, real SQLite, real Tesseract with
//! Vietnamese data, driven over HTTP and the command line.

mod auth;
mod certification;
mod cli;
mod conformance;
mod crash;
mod desk;
mod dossiers;
mod errors;
mod find_and_fill;
mod helpers;
mod operations;
mod provide_once;
mod quality;
mod reading;
mod records;
mod restart;
mod uploads;
