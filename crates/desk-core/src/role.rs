//! The product's roles. The server maps a provider's groups or roles claim onto these.

use serde::{Deserialize, Serialize};

/// A role an agent can hold in Support Desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// First-line agent: finds customers, sees masked personal data, answers tickets.
    AgentL1,
    /// Second-line agent: sees more of the account and transaction detail.
    AgentL2,
    /// Supervisor: everything an agent sees, plus internal notes and the audit trail.
    Supervisor,
    /// Administrator: publishes role layouts, wipes devices; sees no more customer data than needed.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Self::AgentL1, Self::AgentL2, Self::Supervisor, Self::Admin];

    /// The role's name as it appears in policies and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgentL1 => "agent_l1",
            Self::AgentL2 => "agent_l2",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }
}

name_conversions!(Role, "role");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_match_the_policy_vocabulary() {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.to_string()).collect();
        assert_eq!(names, ["agent_l1", "agent_l2", "supervisor", "admin"]);
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!("".parse::<Role>().is_err());
    }
}
