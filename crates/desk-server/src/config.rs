//! Configuration: defaults, then a TOML file, then `DESK_SERVER_`-prefixed environment variables.
//!
//! The file is `--config FILE` or `$DESK_SERVER_CONFIG`; without either, no file is read. Every
//! setting is documented on [`Config`]; unknown settings are refused so a typo is never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use desk_core::Role;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting of the server, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`DESK_SERVER_LISTEN`); port 0 picks a free port.
    pub listen: String,
    /// Where the key files live (policy and audit keys, unless moved), the audit sink's cursor,
    /// audit archives, and the embedded SQLite database when `database_url` is not set
    /// (`DESK_SERVER_DATA_DIR`). Replicas on one PostgreSQL database may share it.
    pub data_dir: PathBuf,
    /// The PostgreSQL database to keep everything in (`DESK_SERVER_DATABASE_URL`), such as
    /// `postgres://desk@db.internal/desk` or, with TLS that checks the server's certificate,
    /// `postgres://desk@db.internal/desk?sslmode=verify-full&sslrootcert=/etc/desk/db-ca.pem`.
    /// The URL's parts are libpq's (user, password, host, port, database, `sslmode`,
    /// `sslrootcert`, `application_name`; a Unix socket folder as `?host=/run/postgresql`). Without it, the embedded SQLite file
    /// in `data_dir`. Several `serve` processes on one database are replicas (docs/deployment.md).
    pub database_url: Option<DatabaseUrl>,
    /// Issuer URL of the company's OpenID provider (`DESK_SERVER_ISSUER`). Required to serve.
    /// https, or plain http only for a provider on this machine (a loopback host: 127.0.0.0/8,
    /// `::1`, `localhost`); no credentials, query or fragment. The `jwks_uri` its discovery
    /// document names is held to the same rule when the keys are fetched.
    pub issuer: Option<String>,
    /// Accepted `aud` values of access tokens (`DESK_SERVER_AUDIENCES`): the API's audience at
    /// the provider, or the app's client id for providers that put it there.
    pub audiences: Vec<String>,
    /// Accepted token signing algorithms (`DESK_SERVER_ALGORITHMS`). `none` and HMAC are never
    /// accepted, whatever this says.
    pub algorithms: Vec<String>,
    /// Accepted `typ` headers of access tokens (`DESK_SERVER_TOKEN_TYPES`). RFC 9068 says
    /// `at+jwt`; some providers send `JWT`. A token without `typ` is refused when this is not
    /// empty, so an ID token cannot pass for an access token.
    pub token_types: Vec<String>,
    /// Clock skew allowed on token times, in seconds (`DESK_SERVER_CLOCK_SKEW_SECS`), at most 300.
    pub clock_skew_secs: u64,
    /// Least time between two fetches of the provider's keys for an unknown key id, in seconds
    /// (`DESK_SERVER_JWKS_REFETCH_SECS`), so forged key ids cannot make the server hammer the
    /// provider; also the shortest refresh interval a provider's `Cache-Control` can ask for
    /// (never under 1 s).
    pub jwks_refetch_secs: u64,
    /// How long a fetched key set is used before it is fetched again, in seconds
    /// (`DESK_SERVER_JWKS_REFRESH_SECS`), 1 to 86400: a key the provider withdrew stops
    /// verifying tokens within this. A `Cache-Control: max-age` (or `no-cache`, `no-store`) on
    /// the provider's key set shortens it, down to `jwks_refetch_secs`; it never lengthens it.
    /// While the provider cannot be reached, the last keys stay in use for at most an hour past
    /// their interval (`token::STALE_GRACE`).
    pub jwks_refresh_secs: u64,
    /// The clients whose access tokens are accepted (`DESK_SERVER_ALLOWED_CLIENTS`): the app's
    /// client id at the provider, and any other client meant to call the API. A token whose
    /// `client_id` (RFC 9068) or `azp` names a client not listed is refused; a token naming
    /// neither is checked on its audience alone. At least one.
    pub allowed_clients: Vec<String>,
    /// The access-token claim that carries groups or roles (`DESK_SERVER_ROLES_CLAIM`); a dotted
    /// path reaches into objects (`realm_access.roles`).
    pub roles_claim: String,
    /// Which product roles each group grants (`DESK_SERVER_ROLE_MAP`). Groups not listed grant
    /// nothing.
    pub role_map: BTreeMap<String, Vec<Role>>,
    /// A JSON file of role definitions to start from instead of the shipped ones
    /// (`DESK_SERVER_ROLES_FILE`). Used only for roles the database has no definition of yet.
    pub roles_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes (`DESK_SERVER_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// The private Ed25519 key (a JWK) that signs policies (`DESK_SERVER_POLICY_KEY_FILE`);
    /// `policy-key.jwk` in the data directory when not set. Made on first start when missing,
    /// readable by its owner only, with its public half written beside it
    /// (`policy-keys.public.json`) for clients to pin.
    pub policy_key_file: Option<PathBuf>,
    /// The secret that keys the hashes of search text in the audit trail
    /// (`DESK_SERVER_AUDIT_KEY_FILE`): 64 lower-case hex digits; `audit-search-key` in the data
    /// directory when not set. Made on first start when missing, readable by its owner only.
    /// Keep it out of the database's backups: with it, anyone can test guessed IBANs, e-mail
    /// addresses or phone numbers against the trail (`desk-server audit find` does).
    pub audit_key_file: Option<PathBuf>,
    /// How long a signed policy is valid, in seconds (`DESK_SERVER_POLICY_TTL_SECS`). Offline
    /// reading ends this long after the last policy, plus the role's grace.
    pub policy_ttl_secs: u64,
    /// The `aud` of signed policies: the app's client id (`DESK_SERVER_POLICY_AUDIENCE`).
    pub policy_audience: String,
    /// How many offline views each agent may upload per minute, on average
    /// (`DESK_SERVER_OFFLINE_UPLOAD_VIEWS_PER_MINUTE`), 1 to 60000. An upload beyond it is
    /// refused with 429 and `Retry-After`, and records nothing.
    pub offline_upload_views_per_minute: u32,
    /// How many offline views an agent may upload at once before the per-minute rate applies
    /// (`DESK_SERVER_OFFLINE_UPLOAD_BURST`): at least 500, one full upload, so that every
    /// upload the API accepts can pass after a wait; at most 100000.
    pub offline_upload_burst: u32,
    /// Whether a role change that widens what the role sees of personal or restricted data waits
    /// for a second administrator's approval (`DESK_SERVER_ROLE_CHANGE_APPROVAL`; on unless set
    /// to `false`, for an installation with one administrator).
    pub role_change_approval: bool,
    /// The oldest client version the server answers (`DESK_SERVER_MIN_CLIENT_VERSION`,
    /// `MAJOR.MINOR.PATCH`): an older client, or one that does not say its version in
    /// `Desk-Client-Version`, is refused every agent request with 426 `update_required`, so a
    /// vulnerable client can be retired. Off when not set.
    pub min_client_version: Option<String>,
    /// Where `serve` delivers every audit entry as it is committed (`DESK_SERVER_AUDIT_SINK`):
    /// `file:PATH`, `stdout` or `syslog` (`syslog:SOCKET` for another socket than `/dev/log`);
    /// off when not set. Delivery is at least once, in chain order, resuming after a restart
    /// from a cursor file in the data directory (see `audit::sink`).
    pub audit_sink: Option<String>,
    /// How many days audit entries stay in the database (`DESK_SERVER_AUDIT_RETENTION_DAYS`), 1 to
    /// 36500; kept for ever when not set. Older ones are archived to a file in
    /// `audit_archive_dir`, ending with a signed checkpoint, and then deleted (see
    /// `audit::retention`), by `serve` at start and every six hours and by `audit archive`.
    /// Entries the live sink has not delivered stay.
    pub audit_retention_days: Option<u32>,
    /// Where archives of old audit entries go (`DESK_SERVER_AUDIT_ARCHIVE_DIR`);
    /// `audit-archive` in the data directory when not set. Back it up: the archived entries are
    /// nowhere else.
    pub audit_archive_dir: Option<PathBuf>,
    /// Seconds from a connection opening (or a later request's first byte) until its request
    /// head must be complete (`DESK_SERVER_HEADER_READ_TIMEOUT_SECS`), 1 to 60: a client that
    /// trickles its head is closed.
    pub header_read_timeout_secs: u64,
    /// Seconds a connection with no request in flight may sit without a byte moving before it
    /// is closed (`DESK_SERVER_IDLE_TIMEOUT_SECS`), 1 to 3600.
    pub idle_timeout_secs: u64,
    /// Connections open at once, from all clients (`DESK_SERVER_MAX_CONNECTIONS`), at least 16.
    /// Beyond it a new connection is closed at once.
    pub max_connections: usize,
    /// Connections open at once from one client address
    /// (`DESK_SERVER_MAX_CONNECTIONS_PER_ADDRESS`), at least 4: room for the agents behind one
    /// office's address, not for one client to take every socket.
    pub max_connections_per_address: usize,
    /// Event streams open at once per agent (`DESK_SERVER_MAX_EVENT_STREAMS_PER_AGENT`), 1 to
    /// 100000 (a person needs a few; a load test with one token needs many): opening one more
    /// closes the agent's oldest.
    pub max_event_streams_per_agent: usize,
    /// Event streams open at once in all (`DESK_SERVER_MAX_EVENT_STREAMS`), at least 1: beyond
    /// it a new one is refused with 503 `too_many_streams` and `Retry-After`.
    pub max_event_streams: usize,
    /// The access-token claim whose value is a SCIM user's `userName` (`DESK_SERVER_SCIM_USER_CLAIM`;
    /// `preferred_username` unless set): the link between a provisioned user and the tokens an
    /// agent signs in with. docs/providers.md says what to set for each provider.
    pub scim_user_claim: String,
    /// Where agents' roles come from (`DESK_SERVER_ROLES_FROM`): `token` (the default), the
    /// token's groups claim through `role_map`; or `scim`, the displayName of each SCIM group the
    /// agent's SCIM user is a member of, through the same `role_map`, so a membership change
    /// applies on the agent's next request and pushes a new policy to its open windows.
    pub roles_from: RolesFrom,
    /// Requests each provisioning client (SCIM token) may make per minute, on average
    /// (`DESK_SERVER_SCIM_REQUESTS_PER_MINUTE`), 60 to 600000; beyond it 429 with `Retry-After`.
    pub scim_requests_per_minute: u32,
    /// Requests a provisioning client may make at once before the per-minute rate applies
    /// (`DESK_SERVER_SCIM_BURST`), 1000 to 1000000: a full sync from Entra ID or Okta is thousands
    /// of requests in a burst.
    pub scim_burst: u32,
}

/// Where agents' roles come from: see [`Config::roles_from`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RolesFrom {
    /// The access token's groups claim.
    #[default]
    Token,
    /// SCIM group membership.
    Scim,
}

/// The environment variables read, without their `DESK_SERVER_` prefix.
const ENV_KEYS: [&str; 36] = [
    "listen",
    "data_dir",
    "database_url",
    "issuer",
    "audiences",
    "algorithms",
    "token_types",
    "clock_skew_secs",
    "jwks_refetch_secs",
    "jwks_refresh_secs",
    "allowed_clients",
    "roles_claim",
    "role_map",
    "roles_file",
    "max_body_bytes",
    "policy_key_file",
    "audit_key_file",
    "policy_ttl_secs",
    "policy_audience",
    "offline_upload_views_per_minute",
    "offline_upload_burst",
    "role_change_approval",
    "min_client_version",
    "audit_sink",
    "audit_retention_days",
    "audit_archive_dir",
    "header_read_timeout_secs",
    "idle_timeout_secs",
    "max_connections",
    "max_connections_per_address",
    "max_event_streams_per_agent",
    "max_event_streams",
    "scim_user_claim",
    "roles_from",
    "scim_requests_per_minute",
    "scim_burst",
];

/// The audience the test provider and the demo use for the API.
pub const DEFAULT_AUDIENCE: &str = "urn:support-desk:api";

impl Default for Config {
    fn default() -> Self {
        let role_map = [
            ("support-tier1", Role::AgentL1),
            ("support-tier2", Role::AgentL2),
            ("support-supervisors", Role::Supervisor),
            ("support-admins", Role::Admin),
        ]
        .into_iter()
        .map(|(group, role)| (group.to_owned(), vec![role]))
        .collect();
        Self {
            listen: "127.0.0.1:8440".into(),
            data_dir: dirs::data_local_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("desk-server"),
            database_url: None,
            issuer: None,
            audiences: vec![DEFAULT_AUDIENCE.into()],
            algorithms: ["RS256", "PS256", "ES256", "EdDSA"]
                .map(String::from)
                .to_vec(),
            token_types: ["at+jwt", "application/at+jwt"].map(String::from).to_vec(),
            clock_skew_secs: 60,
            jwks_refetch_secs: 60,
            jwks_refresh_secs: 300,
            allowed_clients: vec!["support-desk".into()],
            roles_claim: "groups".into(),
            role_map,
            roles_file: None,
            max_body_bytes: 64 * 1024,
            policy_key_file: None,
            audit_key_file: None,
            policy_ttl_secs: 3600,
            policy_audience: "support-desk".into(),
            offline_upload_views_per_minute: 600,
            offline_upload_burst: 1000,
            role_change_approval: true,
            min_client_version: None,
            audit_sink: None,
            audit_retention_days: None,
            audit_archive_dir: None,
            header_read_timeout_secs: 5,
            idle_timeout_secs: 60,
            max_connections: 16_384,
            max_connections_per_address: 1024,
            max_event_streams_per_agent: 10,
            max_event_streams: 10_000,
            scim_user_claim: "preferred_username".into(),
            roles_from: RolesFrom::Token,
            scim_requests_per_minute: 6000,
            scim_burst: 5000,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads defaults, then `file` (or `$DESK_SERVER_CONFIG`), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let env_file = std::env::var_os("DESK_SERVER_CONFIG").map(PathBuf::from);
        if let Some(path) = file.map(Path::to_path_buf).or(env_file) {
            figment = figment.merge(Toml::file_exact(path));
        }
        let config: Config = figment
            .merge(Env::prefixed("DESK_SERVER_").only(&ENV_KEYS))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// The oldest client version answered, read: `None` when no minimum is set.
    pub fn min_client_version(&self) -> Result<Option<desk_api::ClientVersion>, ConfigError> {
        self.min_client_version
            .as_deref()
            .map(|v| {
                v.parse()
                    .map_err(|e| ConfigError(format!("min_client_version: {e}")))
            })
            .transpose()
    }

    /// Refuses settings that would weaken token checks, and settings that cannot work.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.min_client_version()?;
        if let Some(url) = &self.database_url {
            url.check()?;
        }
        if let Some(issuer) = &self.issuer {
            check_issuer(issuer)?;
        }
        if !(1..=86_400).contains(&self.jwks_refresh_secs) {
            return Err(ConfigError(format!(
                "jwks_refresh_secs is {}; allowed is 1 to 86400",
                self.jwks_refresh_secs
            )));
        }
        if self.allowed_clients.is_empty() || self.allowed_clients.iter().any(String::is_empty) {
            return Err(ConfigError(
                "allowed_clients must name at least one client (the app's client id at the \
                 provider), and no empty one"
                    .into(),
            ));
        }
        if self.clock_skew_secs > 300 {
            return Err(ConfigError(format!(
                "clock_skew_secs is {}; at most 300 is allowed",
                self.clock_skew_secs
            )));
        }
        for alg in &self.algorithms {
            if alg.eq_ignore_ascii_case("none") || alg.to_ascii_uppercase().starts_with("HS") {
                return Err(ConfigError(format!(
                    "algorithm `{alg}` is never accepted for tokens from a provider"
                )));
            }
        }
        if self.audiences.is_empty() {
            return Err(ConfigError("audiences must name at least one".into()));
        }
        if !(60..=7 * 24 * 3600).contains(&self.policy_ttl_secs) {
            return Err(ConfigError(format!(
                "policy_ttl_secs is {}; allowed is 60 to 604800",
                self.policy_ttl_secs
            )));
        }
        if !(1..=60_000).contains(&self.offline_upload_views_per_minute) {
            return Err(ConfigError(format!(
                "offline_upload_views_per_minute is {}; allowed is 1 to 60000",
                self.offline_upload_views_per_minute
            )));
        }
        let full = desk_api::MAX_OFFLINE_VIEWS as u32;
        if !(full..=100_000).contains(&self.offline_upload_burst) {
            return Err(ConfigError(format!(
                "offline_upload_burst is {}; allowed is {full} (one full upload) to 100000",
                self.offline_upload_burst
            )));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError("max_body_bytes must be above 0".into()));
        }
        self.audit_sink().map_err(ConfigError)?;
        if let Some(days) = self.audit_retention_days
            && !(1..=36_500).contains(&days)
        {
            return Err(ConfigError(format!(
                "audit_retention_days is {days}; allowed is 1 to 36500 (leave it unset to keep \
                 every entry)"
            )));
        }
        self.check_connections()
    }

    /// Refuses connection limits that would shut honest clients out or hold nothing back.
    fn check_connections(&self) -> Result<(), ConfigError> {
        let ranges: [(&str, u64, std::ops::RangeInclusive<u64>); 8] = [
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs,
                1..=60,
            ),
            ("idle_timeout_secs", self.idle_timeout_secs, 1..=3600),
            (
                "max_connections",
                self.max_connections as u64,
                16..=10_000_000,
            ),
            (
                "max_connections_per_address",
                self.max_connections_per_address as u64,
                4..=10_000_000,
            ),
            (
                "max_event_streams_per_agent",
                self.max_event_streams_per_agent as u64,
                1..=100_000,
            ),
            (
                "max_event_streams",
                self.max_event_streams as u64,
                1..=10_000_000,
            ),
            (
                "scim_requests_per_minute",
                u64::from(self.scim_requests_per_minute),
                60..=600_000,
            ),
            ("scim_burst", u64::from(self.scim_burst), 1000..=1_000_000),
        ];
        if self.scim_user_claim.is_empty() {
            return Err(ConfigError(
                "scim_user_claim must name an access-token claim".into(),
            ));
        }
        for (name, value, range) in ranges {
            if !range.contains(&value) {
                return Err(ConfigError(format!(
                    "{name} is {value}; allowed is {} to {}",
                    range.start(),
                    range.end()
                )));
            }
        }
        Ok(())
    }

    /// The limits the accept loop holds connections to.
    pub fn connection_limits(&self) -> crate::connections::Limits {
        crate::connections::Limits {
            header_read_timeout: std::time::Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
            max_per_address: self.max_connections_per_address,
        }
    }

    /// Where the policy signing key is.
    pub fn policy_key_path(&self) -> PathBuf {
        self.policy_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("policy-key.jwk"))
    }

    /// The audit sink `audit_sink` names, if any.
    pub fn audit_sink(&self) -> Result<Option<crate::audit::sink::Target>, String> {
        self.audit_sink.as_deref().map(str::parse).transpose()
    }

    /// Where archives of old audit entries go.
    pub fn audit_archive_path(&self) -> PathBuf {
        self.audit_archive_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::audit::retention::DIR_NAME))
    }

    /// The time before which entries are archived now, when retention is on.
    pub fn audit_retention_cutoff(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.audit_retention_days
            .map(|days| chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
    }

    /// Where the audit search key is.
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::audit::key::FILE_NAME))
    }

    /// The issuer, which serving requires.
    pub fn require_issuer(&self) -> Result<&str, ConfigError> {
        self.issuer.as_deref().ok_or_else(|| {
            ConfigError("no issuer: set `issuer` in the file or DESK_SERVER_ISSUER".into())
        })
    }
}

/// The PostgreSQL URL of `database_url`. It may hold the database password, so it prints with
/// the password replaced (`Debug` and [`DatabaseUrl::redacted`]) and is wiped when dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL with its password, to connect with. Never log or print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        match reqwest::Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("***"));
                }
                // A password given as a parameter (`?password=…`) goes too.
                if url.query_pairs().any(|(k, _)| k == "password") {
                    let kept: Vec<(String, String)> = url
                        .query_pairs()
                        .map(|(k, v)| {
                            let v = if k == "password" {
                                "***".into()
                            } else {
                                v.into_owned()
                            };
                            (k.into_owned(), v)
                        })
                        .collect();
                    url.query_pairs_mut().clear().extend_pairs(kept);
                }
                url.to_string()
            }
            Err(_) => "(a database_url that is not a URL)".into(),
        }
    }

    /// Refuses what is not a `postgres://` (or `postgresql://`) URL; the rest is the driver's to
    /// read when the database is opened.
    fn check(&self) -> Result<(), ConfigError> {
        let refuse = |why: &str| ConfigError(format!("database_url `{}`: {why}", self.redacted()));
        let url = reqwest::Url::parse(&self.0).map_err(|e| refuse(&e.to_string()))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(refuse(
                "only PostgreSQL is supported (postgres://…); leave it unset for the embedded \
                 SQLite file in data_dir",
            ));
        }
        Ok(())
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl Drop for DatabaseUrl {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Refuses an issuer URL that is not https (http only on a loopback host), or that carries
/// credentials, a query or a fragment.
pub fn check_issuer(issuer: &str) -> Result<(), ConfigError> {
    let refuse = |reason: &str| {
        ConfigError(format!(
            "issuer `{}`: {reason}",
            issuer.chars().take(200).collect::<String>()
        ))
    };
    let url = check_provider_url(issuer).map_err(refuse)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("an issuer has no query or fragment"));
    }
    Ok(())
}

/// Whether the server may fetch the provider's discovery document or keys from `url`: https, or
/// plain http to a loopback host (127.0.0.0/8, `::1`, `localhost`), without credentials. Says why
/// not: keys fetched over plain http across a network are whatever the network says they are.
pub fn check_provider_url(url: &str) -> Result<reqwest::Url, &'static str> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "not an absolute URL")?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("it must not carry credentials");
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(
            "plain http is allowed only for a provider on this machine (127.0.0.0/8, ::1, \
             localhost); use https",
        ),
        _ => Err("the scheme must be https"),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
// figment's Jail closures return figment's own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn a_minimum_client_version_must_be_one() {
        for (value, ok) in [("1.4.0", true), ("1.4", false), ("latest", false)] {
            let config = Config {
                min_client_version: Some(value.into()),
                ..Config::default()
            };
            assert_eq!(config.check().is_ok(), ok, "{value}");
        }
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "server.toml",
                r#"
                issuer = "https://file.example.com"
                roles_claim = "roles"
                [role_map]
                "desk-l1" = ["agent_l1"]
                "#,
            )?;
            jail.set_env("DESK_SERVER_CONFIG", "server.toml");
            jail.set_env("DESK_SERVER_ISSUER", "https://env.example.com");
            jail.set_env(
                "DESK_SERVER_AUDIENCES",
                "[\"api://desk\", \"support-desk\"]",
            );
            let config = Config::load(None).unwrap();
            assert_eq!(config.issuer.as_deref(), Some("https://env.example.com"));
            assert_eq!(config.roles_claim, "roles");
            assert_eq!(config.audiences, ["api://desk", "support-desk"]);
            assert_eq!(config.role_map["desk-l1"], [Role::AgentL1]);
            assert_eq!(config.clock_skew_secs, 60, "default kept");
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_unknown_roles_and_weak_choices_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("a.toml", "isuer = \"https://typo.example.com\"")?;
            let err = Config::load(Some(Path::new("a.toml"))).unwrap_err();
            assert!(err.to_string().contains("isuer"), "{err}");

            jail.create_file("b.toml", "[role_map]\nx = [\"root\"]")?;
            assert!(Config::load(Some(Path::new("b.toml"))).is_err());

            jail.create_file("c.toml", "algorithms = [\"RS256\", \"HS256\"]")?;
            let err = Config::load(Some(Path::new("c.toml"))).unwrap_err();
            assert!(err.to_string().contains("HS256"), "{err}");

            jail.create_file("d.toml", "clock_skew_secs = 3600")?;
            assert!(Config::load(Some(Path::new("d.toml"))).is_err());

            // A burst smaller than one full upload would refuse that upload for ever.
            jail.create_file("e.toml", "offline_upload_burst = 499")?;
            let err = Config::load(Some(Path::new("e.toml"))).unwrap_err();
            assert!(err.to_string().contains("offline_upload_burst"), "{err}");
            jail.create_file("f.toml", "offline_upload_views_per_minute = 0")?;
            assert!(Config::load(Some(Path::new("f.toml"))).is_err());
            jail.set_env("DESK_SERVER_OFFLINE_UPLOAD_VIEWS_PER_MINUTE", "30");
            assert_eq!(
                Config::load(None).unwrap().offline_upload_views_per_minute,
                30
            );

            // Retention of no day would archive the trail as it is written.
            jail.create_file("g.toml", "audit_retention_days = 0")?;
            let err = Config::load(Some(Path::new("g.toml"))).unwrap_err();
            assert!(err.to_string().contains("audit_retention_days"), "{err}");
            jail.set_env("DESK_SERVER_AUDIT_RETENTION_DAYS", "400");
            let config = Config::load(None).unwrap();
            assert_eq!(config.audit_retention_days, Some(400));
            let cutoff = config.audit_retention_cutoff().unwrap();
            let days = (chrono::Utc::now() - cutoff).num_days();
            assert_eq!(days, 400);

            assert!(Config::load(Some(Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn the_audit_key_is_in_the_data_directory_unless_moved() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DESK_SERVER_DATA_DIR", "/srv/desk");
            let config = Config::load(None).unwrap();
            assert_eq!(
                config.audit_key_path(),
                Path::new("/srv/desk/audit-search-key")
            );
            jail.create_file("k.toml", "audit_key_file = \"/etc/desk/search.key\"")?;
            let config = Config::load(Some(Path::new("k.toml"))).unwrap();
            assert_eq!(config.audit_key_path(), Path::new("/etc/desk/search.key"));
            jail.set_env("DESK_SERVER_AUDIT_KEY_FILE", "/run/secrets/audit-key");
            let config = Config::load(Some(Path::new("k.toml"))).unwrap();
            assert_eq!(config.audit_key_path(), Path::new("/run/secrets/audit-key"));
            Ok(())
        });
    }

    #[test]
    fn a_plain_http_issuer_is_refused_unless_it_is_on_this_machine() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DESK_SERVER_ISSUER", "http://idp.example.com/realms/desk");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(
                err.contains("http://idp.example.com/realms/desk")
                    && err.contains("plain http is allowed only for a provider on this machine"),
                "{err}"
            );
            jail.set_env("DESK_SERVER_ISSUER", "http://127.0.0.1:8080");
            assert!(Config::load(None).is_ok());
            Ok(())
        });
        for loopback in [
            "https://login.example.com/tenant/v2.0",
            "http://127.0.0.1:8080",
            "http://127.9.8.7",
            "http://[::1]:9000/realms/desk",
            "http://localhost:3000",
            "http://LocalHost",
        ] {
            assert!(check_issuer(loopback).is_ok(), "{loopback}");
        }
        for (refused, why) in [
            ("http://10.0.0.5:8080", "plain http"),
            ("http://127.0.0.1.example.com", "plain http"),
            ("http://localhost.example.com", "plain http"),
            ("http://[fe80::1]", "plain http"),
            ("ftp://idp.example.com", "https"),
            ("https://user:secret@idp.example.com", "credentials"),
            ("https://idp.example.com/?tenant=x", "query"),
            ("https://idp.example.com/#x", "fragment"),
            ("idp.example.com", "absolute"),
        ] {
            let err = check_issuer(refused).unwrap_err().to_string();
            assert!(err.contains(why), "{refused}: {err}");
        }
        // The same rule holds for the `jwks_uri` of the discovery document, which may have a
        // query.
        assert!(check_provider_url("https://keys.example.com/jwks?v=2").is_ok());
        assert!(check_provider_url("http://[::1]:4000/jwks").is_ok());
        assert!(check_provider_url("http://keys.example.com/jwks").is_err());
    }

    #[test]
    fn key_refresh_and_allowed_clients_are_bounded() {
        let config = Config::default();
        assert_eq!(config.jwks_refresh_secs, 300);
        assert_eq!(config.allowed_clients, ["support-desk"]);
        figment::Jail::expect_with(|jail| {
            for (file, body, setting) in [
                ("r0.toml", "jwks_refresh_secs = 0", "jwks_refresh_secs"),
                ("r1.toml", "jwks_refresh_secs = 86401", "jwks_refresh_secs"),
                ("c0.toml", "allowed_clients = []", "allowed_clients"),
                ("c1.toml", "allowed_clients = [\"\"]", "allowed_clients"),
            ] {
                jail.create_file(file, body)?;
                let err = Config::load(Some(Path::new(file))).unwrap_err().to_string();
                assert!(err.contains(setting), "{body}: {err}");
            }
            jail.set_env("DESK_SERVER_JWKS_REFRESH_SECS", "30");
            jail.set_env(
                "DESK_SERVER_ALLOWED_CLIENTS",
                "[\"0oa1desk\", \"desk-cli\"]",
            );
            let config = Config::load(None).unwrap();
            assert_eq!(config.jwks_refresh_secs, 30);
            assert_eq!(config.allowed_clients, ["0oa1desk", "desk-cli"]);
            Ok(())
        });
    }

    #[test]
    fn the_database_url_names_postgresql_and_never_prints_its_password() {
        figment::Jail::expect_with(|jail| {
            assert_eq!(Config::load(None).unwrap().database_url, None);
            jail.set_env(
                "DESK_SERVER_DATABASE_URL",
                "postgres://desk:s3cret-pw@db.internal:5433/desk?sslmode=verify-full",
            );
            let config = Config::load(None).unwrap();
            let url = config.database_url.as_ref().unwrap();
            assert_eq!(
                url.expose(),
                "postgres://desk:s3cret-pw@db.internal:5433/desk?sslmode=verify-full"
            );
            assert_eq!(
                url.redacted(),
                "postgres://desk:***@db.internal:5433/desk?sslmode=verify-full"
            );
            assert!(!format!("{config:?}").contains("s3cret"));
            let url = DatabaseUrl::from("postgresql://db/desk?user=d&password=s3cret".to_owned());
            assert!(!url.redacted().contains("s3cret"), "{}", url.redacted());
            assert!(url.redacted().contains("user=d"), "{}", url.redacted());
            for (refused, why) in [
                ("mysql://desk:s3cret@db/desk", "only PostgreSQL"),
                ("db.internal/desk", "relative URL"),
            ] {
                jail.set_env("DESK_SERVER_DATABASE_URL", refused);
                let err = Config::load(None).unwrap_err().to_string();
                assert!(
                    err.contains(why) && !err.contains("s3cret"),
                    "{refused}: {err}"
                );
            }
            Ok(())
        });
    }

    #[test]
    fn serving_needs_an_issuer() {
        let err = Config::default().require_issuer().unwrap_err();
        assert!(err.to_string().contains("DESK_SERVER_ISSUER"), "{err}");
    }
}
