//! The product's roles. The server maps a provider's groups or roles claim onto these.

closed_names! {
    /// A product role. The server maps the identity provider's groups onto these.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Role, "role" {
        AgentL1 = "agent_l1", "First-line agent: finds customers, sees masked personal data, answers tickets.";
        AgentL2 = "agent_l2", "Second-line agent: sees more of the account and transaction detail.";
        Supervisor = "supervisor", "Supervisor: everything an agent sees, plus internal notes and the audit trail.";
        Admin = "admin", "Administrator: publishes role layouts, wipes devices; sees no more customer data than needed.";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_match_the_policy_vocabulary() {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.to_string()).collect();
        assert_eq!(names, ["agent_l1", "agent_l2", "supervisor", "admin"]);
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!("".parse::<Role>().is_err());
    }
}
