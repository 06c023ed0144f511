//! The update feed setting: where a front end that installs updates asks for a newer version,
//! and how such a URL is shown to a person. The rest of updating — reading the feed, checking the
//! signature against the key the build carries, installing — is the window's updater plugin;
//! this is the part the settings decide.

use reqwest::Url;

use crate::{App, AppError, Config};

/// `config`'s update feed (`update_feed`), checked as the server's URL is: https, or http on a
/// loopback address; a query is allowed (it may carry a token). `None` when none is set.
pub(crate) fn feed(config: &Config) -> Result<Option<Url>, AppError> {
    config
        .update_feed
        .as_deref()
        .map(|text| crate::server::secure_url("update_feed", text, true))
        .transpose()
}

/// What a person (or the log) is shown of a feed's or a package's URL: without credentials, query
/// or fragment, any of which may carry a token.
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

impl App {
    /// The update feed's URL ([`feed`]); `None` when none is set: the window then looks for no
    /// update.
    pub fn update_feed(&self) -> Result<Option<Url>, AppError> {
        feed(&self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_url_is_shown_without_what_may_carry_a_token() {
        let url: Url = "https://user:s3cret@cdn.example.com/desk/package.deb?sig=s3cret#s3cret"
            .parse()
            .unwrap();
        assert_eq!(shown_url(&url), "https://cdn.example.com/desk/package.deb");
    }
}
