//! The attributes a SCIM User and Group have here (RFC 7643 §4), declared once: the filter
//! refuses a filter on any other attribute (`invalidFilter`) and a patch any other path
//! (`invalidPath`), and both read type, mutability and `caseExact` from this table.
//!
//! The enterprise extension (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`) may
//! appear on a user, in `schemas`, as a key or as a path prefix: its attributes are accepted and
//! ignored, since nothing here stores them. So are the core User attributes of RFC 7643 §4.1
//! that nothing here keeps ([`USER_NOT_KEPT`]: Entra ID sends `roles: []`, Okta `locale`): a
//! client may send them, `/Schemas` does not publish them, and a filter on one is refused, as it
//! could never be answered.

/// The core schema URN of a User.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core schema URN of a Group.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise user extension's URN, whose attributes are accepted and ignored.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The schema Entra ID names beside the core one in a new group's `schemas`; nothing of it is
/// sent or kept.
pub const ENTRA_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// The core User attributes of RFC 7643 §4.1 that are accepted and ignored: nothing here keeps
/// or returns them, so `/Schemas` does not publish them.
pub const USER_NOT_KEPT: &[&str] = &[
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "password",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// An attribute's data type (RFC 7643 §2.3), those used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A JSON string.
    String,
    /// A JSON boolean.
    Boolean,
    /// A URI, as a string.
    Reference,
    /// An xsd:dateTime, as a string.
    DateTime,
    /// An object of sub-attributes.
    Complex,
}

/// Who may change an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Set by the server only.
    ReadOnly,
    /// Set by clients.
    ReadWrite,
}

/// One attribute of a resource, or a sub-attribute of a complex one.
#[derive(Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The name as RFC 7643 spells it; compared case-insensitively.
    pub name: &'static str,
    /// The data type.
    pub kind: AttrType,
    /// Whether the value is a list.
    pub multi_valued: bool,
    /// Whether the attribute must have a value.
    pub required: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// Whether strings compare case-sensitively.
    pub case_exact: bool,
    /// The sub-attributes of a complex attribute.
    pub sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// The sub-attribute named `name`, case-insensitively.
    pub fn sub(&self, name: &str) -> Option<&'static Attribute> {
        find(self.sub_attributes, name)
    }
}

/// A kind of resource the service provider holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// An agent.
    User,
    /// A group of agents.
    Group,
}

impl ResourceKind {
    /// The attributes of this kind of resource.
    pub fn attributes(self) -> &'static [Attribute] {
        match self {
            Self::User => USER,
            Self::Group => GROUP,
        }
    }

    /// The attribute named `name`, case-insensitively.
    pub fn attribute(self, name: &str) -> Option<&'static Attribute> {
        find(self.attributes(), name)
    }

    /// The core schema URN, which may prefix an attribute's name.
    pub fn schema(self) -> &'static str {
        match self {
            Self::User => USER_SCHEMA,
            Self::Group => GROUP_SCHEMA,
        }
    }

    /// Whether `name` is a core attribute of this kind that is accepted and ignored
    /// ([`USER_NOT_KEPT`]).
    pub fn ignores_attribute(self, name: &str) -> bool {
        self == Self::User && USER_NOT_KEPT.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Whether `urn` names an extension whose attributes are accepted and ignored here.
    pub fn ignores_extension(self, urn: &str) -> bool {
        match self {
            Self::User => urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA),
            Self::Group => urn.eq_ignore_ascii_case(ENTRA_GROUP_SCHEMA),
        }
    }
}

fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

const fn attr(name: &'static str, kind: AttrType) -> Attribute {
    Attribute {
        name,
        kind,
        multi_valued: false,
        required: false,
        mutability: Mutability::ReadWrite,
        case_exact: false,
        sub_attributes: &[],
    }
}

const fn complex(name: &'static str, subs: &'static [Attribute]) -> Attribute {
    Attribute {
        sub_attributes: subs,
        ..attr(name, AttrType::Complex)
    }
}

const fn multi(a: Attribute) -> Attribute {
    Attribute {
        multi_valued: true,
        ..a
    }
}

const fn read_only(a: Attribute) -> Attribute {
    Attribute {
        mutability: Mutability::ReadOnly,
        ..a
    }
}

const fn required(a: Attribute) -> Attribute {
    Attribute {
        required: true,
        ..a
    }
}

const fn case_exact(a: Attribute) -> Attribute {
    Attribute {
        case_exact: true,
        ..a
    }
}

const ID: Attribute = read_only(case_exact(attr("id", AttrType::String)));
const EXTERNAL_ID: Attribute = case_exact(attr("externalId", AttrType::String));
const META: Attribute = read_only(complex(
    "meta",
    &[
        read_only(attr("resourceType", AttrType::String)),
        read_only(attr("created", AttrType::DateTime)),
        read_only(attr("lastModified", AttrType::DateTime)),
        read_only(case_exact(attr("location", AttrType::Reference))),
        read_only(case_exact(attr("version", AttrType::String))),
    ],
));

const USER: &[Attribute] = &[
    ID,
    EXTERNAL_ID,
    META,
    required(attr("userName", AttrType::String)),
    attr("displayName", AttrType::String),
    complex(
        "name",
        &[
            attr("formatted", AttrType::String),
            attr("familyName", AttrType::String),
            attr("givenName", AttrType::String),
            attr("middleName", AttrType::String),
            attr("honorificPrefix", AttrType::String),
            attr("honorificSuffix", AttrType::String),
        ],
    ),
    multi(complex(
        "emails",
        &[
            attr("value", AttrType::String),
            attr("display", AttrType::String),
            attr("type", AttrType::String),
            attr("primary", AttrType::Boolean),
        ],
    )),
    attr("active", AttrType::Boolean),
    read_only(multi(complex(
        "groups",
        &[
            read_only(case_exact(attr("value", AttrType::String))),
            read_only(attr("display", AttrType::String)),
            read_only(case_exact(attr("$ref", AttrType::Reference))),
        ],
    ))),
];

const GROUP: &[Attribute] = &[
    ID,
    EXTERNAL_ID,
    META,
    required(attr("displayName", AttrType::String)),
    multi(complex(
        "members",
        &[
            case_exact(attr("value", AttrType::String)),
            attr("display", AttrType::String),
            case_exact(attr("$ref", AttrType::Reference)),
        ],
    )),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_whatever_their_case() {
        let emails = ResourceKind::User.attribute("EMAILS").expect("emails");
        assert!(emails.multi_valued);
        assert_eq!(emails.sub("Value").map(|a| a.name), Some("value"));
        assert_eq!(ResourceKind::Group.attribute("userName"), None);
        assert_eq!(ResourceKind::User.attribute("members"), None);
    }

    #[test]
    fn id_meta_and_groups_are_read_only() {
        for (kind, name) in [
            (ResourceKind::User, "id"),
            (ResourceKind::User, "meta"),
            (ResourceKind::User, "groups"),
            (ResourceKind::Group, "id"),
            (ResourceKind::Group, "meta"),
        ] {
            let a = kind.attribute(name).expect(name);
            assert_eq!(a.mutability, Mutability::ReadOnly, "{name}");
        }
    }

    #[test]
    fn only_users_ignore_the_enterprise_extension() {
        assert!(ResourceKind::User.ignores_extension(ENTERPRISE_USER_SCHEMA));
        assert!(!ResourceKind::Group.ignores_extension(ENTERPRISE_USER_SCHEMA));
        assert!(ResourceKind::Group.ignores_extension(ENTRA_GROUP_SCHEMA));
        assert!(!ResourceKind::User.ignores_extension(USER_SCHEMA));
    }
}
