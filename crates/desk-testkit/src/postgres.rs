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
    let (url, password) = admin();
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
            let (url, password) = admin();
            let url = url.replace("/postgres", &format!("/{}", db.name()));
            let out = Command::new("psql")
                .args([
                    "--no-psqlrc",
                    "-qtA",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    &url,
                    "-c",
                    sql,
                ])
                .env("PGPASSWORD", password)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
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
