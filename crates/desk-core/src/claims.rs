//! Reading the groups or roles an identity provider puts in a token.
//!
//! Providers disagree on where: Okta and Entra ID send `groups`, Keycloak nests
//! `realm_access.roles`, Auth0 uses a namespaced claim whose name contains dots and a colon. The
//! client (for the ID token) and the server (for access tokens) read the claim the same way.

/// The values of the roles claim. `claim` is looked up as a whole name first (Auth0's
/// namespaced claims contain dots), then as a dotted path (Keycloak's `realm_access.roles`).
/// A string value is split on whitespace and commas; anything else yields no roles. Empty names
/// are dropped.
pub fn roles_from(claims: &serde_json::Map<String, serde_json::Value>, claim: &str) -> Vec<String> {
    let value = claims.get(claim).or_else(|| {
        let mut parts = claim.split('.');
        let first = claims.get(parts.next()?)?;
        parts.try_fold(first, |v, part| v.get(part))
    });
    let mut roles: Vec<String> = match value {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            // An empty name is no group, in a list as in a string (found by
            // `fuzz::roles_claims_of_any_shape_are_read`).
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(serde_json::Value::String(s)) => s
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    roles.sort();
    roles.dedup();
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn roles_come_from_the_configured_claim_in_each_providers_shape() {
        let okta = map(json!({"groups": ["support-tier2", "support-tier1", "support-tier1"]}));
        assert_eq!(
            roles_from(&okta, "groups"),
            ["support-tier1", "support-tier2"]
        );
        let keycloak = map(json!({"realm_access": {"roles": ["agent"]}}));
        assert_eq!(roles_from(&keycloak, "realm_access.roles"), ["agent"]);
        let auth0 = map(json!({"https://desk.example.com/roles": ["admin"]}));
        assert_eq!(
            roles_from(&auth0, "https://desk.example.com/roles"),
            ["admin"]
        );
        let cognito = map(json!({"cognito:groups": ["a"]}));
        assert_eq!(roles_from(&cognito, "cognito:groups"), ["a"]);
        let spaced = map(json!({"roles": "a b,c"}));
        assert_eq!(roles_from(&spaced, "roles"), ["a", "b", "c"]);
    }

    #[test]
    fn a_missing_or_odd_claim_gives_no_roles() {
        assert!(roles_from(&map(json!({})), "groups").is_empty());
        assert!(roles_from(&map(json!({"groups": 7})), "groups").is_empty());
        assert!(roles_from(&map(json!({"groups": [1, {"x": 1}]})), "groups").is_empty());
    }
}
