//! The update feed setting: where a front end that installs updates asks for a newer version.
//! The rest of updating — reading the feed, checking the signature against the key the build
//! carries, installing — is the window's updater plugin; this is the part the settings decide.

use reqwest::Url;

use crate::{App, AppError};

impl App {
    /// The update feed's URL (`update_feed`), checked as the server's is: https, or http on a
    /// loopback address. `None` when none is set: the window then looks for no update.
    pub fn update_feed(&self) -> Result<Option<Url>, AppError> {
        self.config
            .update_feed
            .as_deref()
            .map(|text| crate::server::secure_url("update_feed", text, true))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use crate::{App, Config};

    fn with_feed(feed: &str) -> App {
        App::new(Config {
            update_feed: Some(feed.into()),
            ..Config::default()
        })
    }

    #[test]
    fn the_feed_is_https_or_on_this_computer() {
        assert_eq!(App::new(Config::default()).update_feed().unwrap(), None);
        let feed = with_feed("https://updates.example.com/desk/{{target}}/{{current_version}}")
            .update_feed()
            .unwrap()
            .unwrap();
        assert_eq!(feed.host_str(), Some("updates.example.com"));
        assert!(
            with_feed("http://127.0.0.1:8080/latest.json?channel=stable")
                .update_feed()
                .is_ok()
        );
        for refused in [
            "http://updates.example.com/latest.json",
            "ftp://updates.example.com/latest.json",
            "https://user:pass@updates.example.com/latest.json",
            "https://updates.example.com/latest.json#x",
            "not a url",
        ] {
            let err = with_feed(refused).update_feed().unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Config, "{refused}");
            assert!(err.to_string().contains("update_feed"), "{err}");
        }
    }
}
