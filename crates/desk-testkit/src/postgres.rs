//! PostgreSQL for the server's tests: a database of its own per test, in the throwaway cluster
//! that `scripts/with-real-parts` starts (`start_postgres` of scripts/lib.sh) and names in
//! `DESK_TEST_POSTGRES`: the URL of the cluster's superuser on its `postgres` database.
//!
//! A test that needs a database already filled (a schema, a data set) copies a [`PgTemplate`]
//! made once per test process (`CREATE DATABASE … TEMPLATE …`: a copy of its files, far quicker
//! than making the schema again in every test).
//!
//! Databases are made and dropped with `psql` (the Debian package `postgresql-client`, which the
//! server package brings), the password handed over in its environment, not its arguments. A
//! test that finds no cluster fails through [`crate::missing_real_part`] with
//! [`crate::RealPart::Postgres`].

use std::process::Command;

/// The variable that names the test cluster's superuser URL.
pub const ENV: &str = "DESK_TEST_POSTGRES";

/// A database made for one test, dropped (its connections ended first) when this is dropped.
pub struct PgDatabase {
    name: String,
    url: String,
}

/// The test cluster's superuser URL, split into the URL without its password and the password.
#[track_caller]
fn admin() -> (String, String) {
    let Ok(url) = std::env::var(ENV) else {
        crate::missing_real_part(crate::RealPart::Postgres, &format!("{ENV} is not set"))
    };
    // postgres://USER:PASSWORD@HOST:PORT/DB, as start_postgres writes it.
    let parsed = url.split_once("://").and_then(|(scheme, rest)| {
        let (userinfo, host) = rest.split_once('@')?;
        let (user, password) = userinfo.split_once(':')?;
        Some((format!("{scheme}://{user}@{host}"), password.to_owned()))
    });
    parsed.unwrap_or_else(|| {
        crate::missing_real_part(
            crate::RealPart::Postgres,
            &format!("{ENV} is not of the form postgres://USER:PASSWORD@HOST:PORT/DATABASE"),
        )
    })
}

/// Runs one SQL statement as the cluster's superuser, on its `postgres` database: what it
/// printed (unaligned, tuples only), or psql's own words for the error.
pub fn psql(statement: &str) -> Result<String, String> {
    psql_in("postgres", statement)
}

/// [`psql`] on the cluster's database `database`.
pub fn psql_in(database: &str, statement: &str) -> Result<String, String> {
    let (url, password) = admin();
    let server = url
        .rsplit_once('/')
        .map_or(url.as_str(), |(server, _)| server);
    let url = format!("{server}/{database}");
    let out = Command::new("psql")
        .args([
            "--no-psqlrc",
            "-qtA",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &url,
            "-c",
            statement,
        ])
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .map_err(|e| format!("psql could not be run: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

impl PgDatabase {
    /// An empty database of its own in the test cluster (owned by the cluster's superuser).
    #[track_caller]
    pub fn create() -> Self {
        Self::create_as("")
    }

    /// A database of its own that starts as a copy of `template`.
    #[track_caller]
    pub fn create_from(template: &PgTemplate) -> Self {
        Self::create_as(&format!(" TEMPLATE \"{}\"", template.0.name))
    }

    #[track_caller]
    fn create_as(options: &str) -> Self {
        let name = crate::unique_name("desk_test").replace('-', "_");
        if let Err(e) = psql(&format!("CREATE DATABASE \"{name}\"{options}")) {
            crate::missing_real_part(crate::RealPart::Postgres, &e);
        }
        let (url, password) = admin();
        let url = match url.rsplit_once('/') {
            Some((server, _)) => server.replacen("://desk@", &format!("://desk:{password}@"), 1),
            None => url,
        };
        let url = format!("{url}/{name}");
        Self { name, url }
    }

    /// The database's URL, password included, as `database_url` takes it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name in the cluster.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A database that tests copy ([`PgDatabase::create_from`]) instead of each filling its own.
/// Kept in a `static` it lasts as long as the test process; the cluster goes with the run.
pub struct PgTemplate(PgDatabase);

impl PgTemplate {
    /// A database filled by `fill`, which gets its URL and must have closed every connection
    /// to it when it returns (PostgreSQL copies no database that is in use).
    #[track_caller]
    pub fn make(fill: impl FnOnce(&str)) -> Self {
        let db = PgDatabase::create();
        fill(db.url());
        Self(db)
    }

    /// The template's name in the cluster.
    pub fn name(&self) -> &str {
        self.0.name()
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // The cluster goes with the run in any case; dropping keeps a long run's disk use down.
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

/// A PostgreSQL cluster of one test's own, for a test that stops or restarts the database (the
/// shared cluster serves every other test at once): `initdb` and `pg_ctl` from Debian's server
/// package (its versioned folder under `/usr/lib/postgresql`), run as the `postgres` user when
/// the test runs as root, data and socket in a temporary folder, loopback only, a random password.
/// Stopped and removed when dropped.
pub struct PgCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
    url: String,
}

impl PgCluster {
    /// Makes and starts a cluster; fails through [`crate::missing_real_part`] without the
    /// server package.
    #[track_caller]
    pub fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .max()
            .unwrap_or_else(|| {
                crate::missing_real_part(
                    crate::RealPart::Postgres,
                    &"no initdb and pg_ctl under /usr/lib/postgresql (the Debian package postgresql)",
                )
            });
        let dir = std::env::temp_dir().join(crate::unique_name("desk-pg"));
        std::fs::create_dir(&dir).unwrap();
        let mut random = [0u8; 16];
        std::io::Read::read_exact(
            &mut std::fs::File::open("/dev/urandom").unwrap(),
            &mut random,
        )
        .unwrap();
        let password: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let pwfile = dir.join("password");
        std::fs::write(&pwfile, format!("{password}\n")).unwrap();
        let mut cluster = Self {
            bin,
            dir,
            port: free_port(),
            url: String::new(),
        };
        cluster.own_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "desk",
                &format!("--pwfile={}", pwfile.display()),
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
            ],
        );
        let _ = std::fs::remove_file(&pwfile);
        let url = format!(
            "postgres://desk:{password}@127.0.0.1:{}/postgres",
            cluster.port
        );
        cluster.url = url;
        cluster.restart_after(None);
        cluster
    }

    /// The superuser's URL on the cluster's `postgres` database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the cluster at once (`immediate`: connections are cut, as when the machine goes).
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the stopped cluster again on the same port, after `down` if given.
    pub fn restart_after(&mut self, down: Option<std::time::Duration>) {
        if let Some(down) = down {
            std::thread::sleep(down);
        }
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// Hands the folder to the `postgres` user when running as root (initdb refuses root).
    fn own_dir(&self) {
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:", &self.dir.display().to_string()])
                .status()
                .unwrap();
            assert!(status.success(), "chown of the test cluster's folder");
        }
    }

    #[track_caller]
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let out = as_cluster_user(&program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = as_cluster_user(&self.bin.join("pg_ctl"))
            .args(["-D", data.as_str(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `program` run as the cluster's user: `postgres` when the test runs as root.
fn as_cluster_user(program: &std::path::Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    // The owner of /proc/self is the process's user.
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0
}

/// A loopback port free just now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(name: &str) -> bool {
        psql(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .unwrap()
            == "1"
    }

    #[test]
    fn a_cluster_of_its_own_stops_and_starts_again_on_its_port() {
        let mut cluster = PgCluster::start();
        let ask = |url: &str| {
            let (server, password) = url.split_once("://desk:").unwrap();
            let (password, rest) = password.split_once('@').unwrap();
            Command::new("psql")
                .args([
                    "--no-psqlrc",
                    "-qtA",
                    "-d",
                    &format!("{server}://desk@{rest}"),
                    "-c",
                    "SELECT 1",
                ])
                .env("PGPASSWORD", password)
                .env("PGCONNECT_TIMEOUT", "5")
                .output()
                .unwrap()
        };
        assert_eq!(
            String::from_utf8_lossy(&ask(cluster.url()).stdout).trim(),
            "1"
        );
        cluster.stop();
        assert!(
            !ask(cluster.url()).status.success(),
            "answers while stopped"
        );
        cluster.restart_after(None);
        assert_eq!(
            String::from_utf8_lossy(&ask(cluster.url()).stdout).trim(),
            "1"
        );
        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists());
    }

    #[test]
    fn a_database_of_its_own_is_made_and_dropped_with_its_connections() {
        let db = PgDatabase::create();
        assert!(exists(db.name()));
        assert!(db.url().ends_with(&format!("/{}", db.name())));
        // Another connection held open does not keep it from being dropped.
        let (url, password) = admin();
        let url = url.replace("/postgres", &format!("/{}", db.name()));
        let mut held = Command::new("psql")
            .args(["--no-psqlrc", "-q", "-d", &url, "-c", "SELECT pg_sleep(30)"])
            .env("PGPASSWORD", password)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        let name = db.name().to_owned();
        drop(db);
        assert!(!exists(&name));
        let _ = held.kill();
        let _ = held.wait();
    }

    #[test]
    fn a_copy_of_a_template_starts_with_what_the_template_holds_and_is_its_own() {
        let query = |db: &PgDatabase, sql: &str| {
            psql_in(db.name(), sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
        };
        let template = PgTemplate::make(|_| {});
        query(
            &template.0,
            "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('from the template')",
        );
        let (a, b) = (
            PgDatabase::create_from(&template),
            PgDatabase::create_from(&template),
        );
        assert_eq!(query(&a, "SELECT v FROM t"), "from the template");
        query(&a, "INSERT INTO t VALUES ('a only')");
        assert_eq!(query(&b, "SELECT count(*) FROM t"), "1");
        assert_eq!(query(&template.0, "SELECT count(*) FROM t"), "1");
        assert!(exists(template.name()));
    }
}
