//! Typed settings. Each value comes from, in rising precedence: the defaults
//! below, a TOML file (`--config FILE`, or `sohoa.toml` in the working folder
//! when present), `SOHOA_*` environment variables, and command-line flags.
//! `sohoa config` prints the result; `sohoa.example.toml` documents each key.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::AgencyId;

/// Used in dossier codes until `SOHOA_AGENCY_ID` is set (the start-up log says so).
pub const PLACEHOLDER_AGENCY_ID: &str = "000.00.00.H00";

fn placeholder_agency() -> AgencyId {
    AgencyId::parse(PLACEHOLDER_AGENCY_ID).expect("the placeholder is a well-formed agency ID")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// This instance's agency electronic ID, `NNN.NN.NN.XNN` (`SOHOA_AGENCY_ID`),
    /// used in dossier codes; empty means the placeholder [`PLACEHOLDER_AGENCY_ID`].
    pub agency_id: String,
    /// Address the HTTP server binds (`SOHOA_LISTEN`). Port 0 picks a free port.
    pub listen: String,
    /// Folder for all embedded state (`SOHOA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Database (`SOHOA_DATABASE_URL`); empty means `sqlite://{data_dir}/sohoa.db`.
    pub database_url: String,
    /// Blob store (`SOHOA_BLOB_URL`): `file://DIR` or `s3://BUCKET[/PREFIX]`;
    /// empty means `file://{data_dir}/blobs`.
    pub blob_url: String,
    /// S3 endpoint for `s3://` blob URLs (`SOHOA_S3_ENDPOINT`), e.g.
    /// `http://garage.internal:3900`; empty means AWS. Credentials and region
    /// come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`.
    pub s3_endpoint: String,
    /// Largest upload accepted in one request, all parts together, in bytes.
    pub max_upload_bytes: u64,
    /// Largest single page file, in bytes.
    pub max_file_bytes: u64,
    /// Uploads this instance takes in at once (`SOHOA_MAX_UPLOADS_IN_FLIGHT`);
    /// past it an upload is answered `503 busy` with `Retry-After`.
    pub max_uploads_in_flight: usize,
    /// Bytes of uploads in flight, all together, spooled to disk
    /// (`SOHOA_MAX_SPOOLED_BYTES`); past it, `503 busy` too.
    pub max_spooled_bytes: u64,
    /// Folder upload bodies stream to before they are checked and stored
    /// (`SOHOA_SPOOL_DIR`); empty means `{data_dir}/spool`.
    pub spool_dir: String,
    /// Largest page accepted, in pixels (width × height): beyond it a file is
    /// refused before its pixels are allocated (decompression bombs).
    pub max_page_pixels: u64,
    /// Most pages in one record.
    pub max_pages: usize,
    /// Lowest resolution accepted for a page, in dpi (`SOHOA_MIN_DPI`): the
    /// floor for digitised papers (Circular 01/2023, Decree 30/2020).
    pub min_dpi: u32,
    /// OCR engines (and so OCR jobs at once); 0 means one per CPU core.
    pub ocr_workers: usize,
    /// Tesseract languages, `+`-separated.
    pub ocr_languages: String,
    /// Folder of Tesseract's `*.traineddata`; empty means the library's default.
    pub tessdata_dir: String,
    /// Folder of the text-line detector model and the Vietnamese dictionary
    /// (`SOHOA_MODELS_DIR`), fetched at setup by `scripts/fetch-models.sh`;
    /// a relative path is taken from the working folder.
    pub models_dir: PathBuf,
    /// Longest one page may take on an OCR engine, in seconds
    /// (`SOHOA_OCR_PAGE_TIMEOUT_SECS`): past it the engine is replaced and the
    /// page retried, then failed with the reason.
    pub ocr_page_timeout_secs: u64,
    /// How long a worker owns a claimed job before another may take it over, in seconds.
    pub job_lease_secs: u64,
    /// Attempts before a job ends as failed.
    pub job_max_attempts: u32,
    /// `text` (for people) or `json` (for log collectors).
    pub log_format: String,
    /// Log filter in `RUST_LOG` syntax (`SOHOA_LOG`), e.g. `info` or `sohoa=debug`.
    pub log: String,
    /// Folder of the agency's private signing key (`SOHOA_SIGNING_KEY_DIR`),
    /// kept out of the database; empty means `{data_dir}/signing-keys`. A key
    /// is made there on first start when none is present.
    pub signing_key_dir: String,
    /// Requests to the public `POST /v1/verify` allowed per client address
    /// per minute (`SOHOA_VERIFY_PER_MINUTE`).
    pub verify_per_minute: u32,
    /// The address citizens reach this service at, for the links they are
    /// given (`SOHOA_PUBLIC_URL`, e.g. `https://sohoa.hanoi.gov.vn`); empty
    /// means the address the request came to.
    pub public_url: String,
    /// Seconds between signed checkpoints of the access ledger
    /// (`SOHOA_LEDGER_CHECKPOINT_SECS`); one is made only when a chain moved.
    pub ledger_checkpoint_secs: u64,
    /// Days ledger entries stay in the database before they are archived to
    /// the blob store as signed segments (`SOHOA_LEDGER_RETENTION_DAYS`);
    /// 0 keeps them for ever.
    pub ledger_retention_days: u32,
    /// `agency_id` parsed, or the placeholder: set by [`Settings::load`].
    #[serde(skip, default = "placeholder_agency")]
    agency: AgencyId,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            agency_id: String::new(),
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            blob_url: String::new(),
            s3_endpoint: String::new(),
            max_upload_bytes: 100 * 1024 * 1024,
            max_file_bytes: 40 * 1024 * 1024,
            max_uploads_in_flight: 64,
            max_spooled_bytes: 4 * 1024 * 1024 * 1024,
            spool_dir: String::new(),
            max_page_pixels: 60_000_000,
            max_pages: 100,
            min_dpi: 200,
            ocr_workers: 0,
            ocr_languages: "vie".into(),
            tessdata_dir: String::new(),
            models_dir: PathBuf::from("models"),
            ocr_page_timeout_secs: 300,
            job_lease_secs: 60,
            job_max_attempts: 3,
            log_format: "text".into(),
            log: "info".into(),
            signing_key_dir: String::new(),
            verify_per_minute: 30,
            public_url: String::new(),
            ledger_checkpoint_secs: 60,
            ledger_retention_days: 0,
            agency: placeholder_agency(),
        }
    }
}

/// Overrides from command-line flags, applied last.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid configuration: {0}")]
    Value(String),
}

impl Settings {
    /// Loads settings from the layers described in the module docs.
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("sohoa.toml").exists() => {
                figment = figment.merge(Toml::file("sohoa.toml"))
            }
            None => {}
        }
        // SOHOA_CONFIG names the file itself and is not a setting.
        figment = figment
            .merge(Env::prefixed("SOHOA_").ignore(&["config"]))
            .merge(Serialized::defaults(flags));
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))?;
        settings.check()?;
        if !settings.agency_id.is_empty() {
            settings.agency = AgencyId::parse(&settings.agency_id)
                .map_err(|e| ConfigError::Value(format!("agency_id: {e}")))?;
        }
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Value(format!(
                "log_format must be text or json, not {:?}",
                self.log_format
            )));
        }
        if self.max_pages == 0 || self.max_file_bytes == 0 || self.max_page_pixels == 0 {
            return Err(ConfigError::Value(
                "max_pages, max_file_bytes and max_page_pixels must be above zero".into(),
            ));
        }
        if self.max_uploads_in_flight == 0 || self.max_spooled_bytes < self.max_upload_bytes {
            return Err(ConfigError::Value(
                "max_uploads_in_flight must be above zero, and max_spooled_bytes at least max_upload_bytes".into(),
            ));
        }
        if self.verify_per_minute == 0 {
            return Err(ConfigError::Value(
                "verify_per_minute must be above zero".into(),
            ));
        }
        if self.ocr_page_timeout_secs == 0 {
            return Err(ConfigError::Value(
                "ocr_page_timeout_secs must be above zero".into(),
            ));
        }
        if self.ledger_checkpoint_secs == 0 {
            return Err(ConfigError::Value(
                "ledger_checkpoint_secs must be above zero".into(),
            ));
        }
        if self.job_lease_secs == 0 || self.job_max_attempts == 0 {
            return Err(ConfigError::Value(
                "job_lease_secs and job_max_attempts must be above zero".into(),
            ));
        }
        Ok(())
    }

    /// This instance's agency, or the placeholder.
    pub fn agency(&self) -> &AgencyId {
        &self.agency
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("sohoa.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn blob_url(&self) -> String {
        if self.blob_url.is_empty() {
            format!("file://{}", self.data_dir.join("blobs").display())
        } else {
            self.blob_url.clone()
        }
    }

    pub fn spool_dir(&self) -> PathBuf {
        if self.spool_dir.is_empty() {
            self.data_dir.join("spool")
        } else {
            PathBuf::from(&self.spool_dir)
        }
    }

    pub fn signing_key_dir(&self) -> PathBuf {
        if self.signing_key_dir.is_empty() {
            self.data_dir.join("signing-keys")
        } else {
            PathBuf::from(&self.signing_key_dir)
        }
    }

    pub fn ocr_workers(&self) -> usize {
        if self.ocr_workers > 0 {
            self.ocr_workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    pub fn job_lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.job_lease_secs)
    }

    /// The settings as TOML, for `sohoa config`.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object() {
            for (key, v) in map {
                out.push_str(&format!("{key} = {v}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_everything_under_the_data_folder() {
        let s = Settings::default();
        assert_eq!(s.database_url(), "sqlite://./data/sohoa.db");
        assert_eq!(s.blob_url(), "file://./data/blobs");
        assert_eq!(s.listen, "127.0.0.1:8080");
    }

    #[test]
    fn flags_override_defaults() {
        let s = Settings::load(
            None,
            FlagOverrides {
                listen: Some("127.0.0.1:0".into()),
                data_dir: Some("/tmp/x".into()),
            },
        )
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:0");
        assert_eq!(s.database_url(), "sqlite:///tmp/x/sohoa.db");
    }

    #[test]
    fn the_example_config_loads_and_explains_every_setting() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sohoa.example.toml");
        Settings::load(Some(&path), Default::default()).expect("the example loads");
        let text = std::fs::read_to_string(&path).unwrap();
        let defaults = serde_json::to_value(Settings::default()).unwrap();
        for key in defaults.as_object().unwrap().keys() {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{key} = "))),
                "sohoa.example.toml does not explain {key}"
            );
        }
    }

    #[test]
    fn the_agency_is_parsed_once_and_a_malformed_one_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sohoa.toml");
        std::fs::write(&file, "agency_id = \"000.00.06.H56\"\n").unwrap();
        let s = Settings::load(Some(&file), Default::default()).unwrap();
        assert_eq!(s.agency().as_str(), "000.00.06.H56");
        std::fs::write(&file, "agency_id = \"H56\"\n").unwrap();
        assert!(Settings::load(Some(&file), Default::default()).is_err());
        assert_eq!(Settings::default().agency().as_str(), PLACEHOLDER_AGENCY_ID);
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = Settings::load(
            Some(Path::new("/nonexistent/sohoa.toml")),
            Default::default(),
        );
        assert!(matches!(err, Err(ConfigError::MissingFile(_))));
    }
}
