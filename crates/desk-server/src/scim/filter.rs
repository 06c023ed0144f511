//! SCIM filters and attribute paths (RFC 7644 §3.4.2.2, §3.5.2), the grammar they share: parsed
//! against the [`schema`](super::schema) table into a [`Filter`] or a [`Path`], and a filter
//! evaluated over a resource held as JSON.
//!
//! The subset: attribute paths with an optional core schema URN prefix and one sub-attribute
//! (`emails.value`); value filters (`emails[type eq "work"]`, also followed by a sub-attribute
//! comparison, `emails[type eq "work"].value eq "x"`, read as `emails[type eq "work" and value eq
//! "x"]`); `eq ne co sw ew pr gt ge lt le`, `and` (binding tighter), `or`, `not (…)` and
//! parentheses; JSON strings, `true`, `false`, `null` and numbers. Names, operators and keywords
//! are case-insensitive. A filter longer than [`MAX_LEN`] characters or nested (parentheses, `not`
//! and brackets) deeper than [`MAX_DEPTH`] is refused before anything deeper is read, so the
//! parser's recursion is bounded.
//!
//! Evaluation: strings compare case-insensitively unless the attribute is `caseExact`; a
//! multi-valued attribute matches when any value does; `pr` is present and neither null nor
//! empty; `ne` matches when no value is equal (so also when the attribute is absent).

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

use super::error::{ScimError, ScimType, excerpt};
use super::schema::{AttrType, Attribute, ResourceKind};

/// The longest filter or path read, in characters.
pub const MAX_LEN: usize = 1024;
/// The deepest nesting of parentheses, `not (…)` and `[…]` read.
pub const MAX_DEPTH: usize = 8;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains (strings).
    Co,
    /// Starts with (strings).
    Sw,
    /// Ends with (strings).
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CompareOp {
    /// The operator named `word`, case-insensitively.
    pub fn from_word(word: &str) -> Option<Self> {
        let ops = [
            ("eq", Self::Eq),
            ("ne", Self::Ne),
            ("co", Self::Co),
            ("sw", Self::Sw),
            ("ew", Self::Ew),
            ("gt", Self::Gt),
            ("ge", Self::Ge),
            ("lt", Self::Lt),
            ("le", Self::Le),
        ];
        ops.into_iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, op)| op)
    }

    /// The operator as the RFC writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }
}

/// An attribute named in a filter: an attribute and maybe one of its sub-attributes, spelled as
/// the schema spells them. Inside a value filter, `attr` is a sub-attribute of the filtered one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The attribute.
    pub attr: &'static str,
    /// The sub-attribute, if one is named.
    pub sub: Option<&'static str>,
    /// Whether the named attribute's strings compare case-sensitively.
    pub case_exact: bool,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path op value`.
    Compare {
        /// What is compared.
        path: AttrPath,
        /// How.
        op: CompareOp,
        /// With what: a string, boolean, null or number.
        value: Value,
    },
    /// `path pr`.
    Present(AttrPath),
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// `not (…)`.
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the complex attribute `attr` matches `filter`.
    ValuePath {
        /// The complex attribute.
        attr: &'static str,
        /// The filter over one of its values.
        filter: Box<Filter>,
    },
}

/// A patch operation's target (RFC 7644 §3.5.2): an attribute, maybe some of its values, maybe a
/// sub-attribute of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The attribute.
    pub attr: &'static Attribute,
    /// Which of its values, for `members[value eq "…"]`.
    pub filter: Option<Filter>,
    /// The sub-attribute, for `name.givenName` or `emails[type eq "work"].value`.
    pub sub: Option<&'static Attribute>,
}

/// What a name in a request stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    /// An attribute of the resource, maybe a sub-attribute of it.
    Attr(&'static Attribute, Option<&'static Attribute>),
    /// An attribute (or the whole) of an extension that is accepted and ignored.
    Ignored,
}

/// Resolves `name` (`userName`, `name.givenName`, a URN-prefixed name) against `kind`'s schema.
fn resolve(kind: ResourceKind, name: &str) -> Result<Resolved, String> {
    let unknown = || format!("No attribute {}.", quoted(name));
    let mut rest = name;
    if starts_with_ci(name, "urn:") {
        if let Some(r) = strip_prefix_ci(name, kind.schema()).and_then(|r| r.strip_prefix(':')) {
            rest = r;
        } else if ignored_extension(kind, name) {
            return Ok(Resolved::Ignored);
        } else {
            return Err(unknown());
        }
    }
    let mut parts = rest.split('.');
    let first = parts.next().unwrap_or_default();
    if kind.ignores_attribute(first.split('[').next().unwrap_or_default()) {
        return Ok(Resolved::Ignored);
    }
    let attr = kind.attribute(first).ok_or_else(unknown)?;
    let sub = match parts.next() {
        None => None,
        Some(s) => Some(attr.sub(s).ok_or_else(unknown)?),
    };
    if parts.next().is_some() {
        return Err(unknown());
    }
    Ok(Resolved::Attr(attr, sub))
}

/// Whether `name` is, or is an attribute of (`urn:…:User:attr`), an extension `kind` ignores.
fn ignored_extension(kind: ResourceKind, name: &str) -> bool {
    let urn = super::schema::ENTERPRISE_USER_SCHEMA;
    let rest = strip_prefix_ci(name, urn);
    kind.ignores_extension(urn) && rest.is_some_and(|r| r.is_empty() || r.starts_with(':'))
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    strip_prefix_ci(text, prefix).is_some()
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn quoted(text: &str) -> String {
    format!("`{}`", excerpt(text))
}

impl Filter {
    /// Parses `text` as a filter over `kind`; any fault is `invalidFilter`.
    pub fn parse(text: &str, kind: ResourceKind) -> Result<Self, ScimError> {
        let fail = |reason: String| {
            ScimError::bad_request(
                ScimType::InvalidFilter,
                format!("The filter {} is not valid: {reason}", quoted(text)),
            )
        };
        let mut parser = Parser::new(text, kind).map_err(fail)?;
        let filter = parser.or_expr().map_err(fail)?;
        parser.end().map_err(fail)?;
        Ok(filter)
    }

    /// Whether `resource` (a SCIM resource as JSON) matches.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Self::Compare {
                path,
                op: CompareOp::Ne,
                value,
            } => !values_at(resource, path)
                .any(|v| compare(v, CompareOp::Eq, value, path.case_exact)),
            Self::Compare { path, op, value } => {
                values_at(resource, path).any(|v| compare(v, *op, value, path.case_exact))
            }
            Self::Present(path) => values_at(resource, path).any(present),
            Self::And(a, b) => a.matches(resource) && b.matches(resource),
            Self::Or(a, b) => a.matches(resource) || b.matches(resource),
            Self::Not(a) => !a.matches(resource),
            Self::ValuePath { attr, filter } => {
                elements(get_ci(resource, attr)).any(|e| filter.matches(e))
            }
        }
    }
}

impl Path {
    /// Parses `text` as a patch path over `kind`: `None` for an ignored extension's attribute;
    /// any fault is `invalidPath`.
    pub fn parse(text: &str, kind: ResourceKind) -> Result<Option<Self>, ScimError> {
        let fail = |reason: String| {
            ScimError::bad_request(
                ScimType::InvalidPath,
                format!("The path {} is not valid: {reason}", quoted(text)),
            )
        };
        let mut parser = Parser::new(text, kind).map_err(fail)?;
        let path = parser.path().map_err(fail)?;
        parser.end().map_err(fail)?;
        Ok(path)
    }
}

/// The values at `path`: each value of a multi-valued attribute, each one's sub-attribute.
fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> impl Iterator<Item = &'a Value> {
    let sub = path.sub;
    elements(get_ci(resource, path.attr)).flat_map(move |v| match sub {
        None => Some(v),
        Some(sub) => get_ci(v, sub),
    })
}

/// A value's elements when it is a list, else the value itself.
fn elements(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let (one, many) = match value {
        Some(Value::Array(items)) => (None, items.as_slice()),
        other => (other, &[][..]),
    };
    one.into_iter().chain(many)
}

/// The member of `value` named `name`, case-insensitively.
pub fn get_ci<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &Value, case_exact: bool) -> bool {
    let order = match (actual, expected) {
        (Value::String(a), Value::String(b)) => return compare_strings(a, op, b, case_exact),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) if op == CompareOp::Eq => Some(a.cmp(b)),
        (Value::Null, Value::Null) if op == CompareOp::Eq => Some(Ordering::Equal),
        _ => None,
    };
    order.is_some_and(|o| ordered(op, o))
}

fn compare_strings(a: &str, op: CompareOp, b: &str, case_exact: bool) -> bool {
    let (a, b) = if case_exact {
        (a.to_owned(), b.to_owned())
    } else {
        (a.to_lowercase(), b.to_lowercase())
    };
    match op {
        CompareOp::Co => a.contains(&b),
        CompareOp::Sw => a.starts_with(&b),
        CompareOp::Ew => a.ends_with(&b),
        _ => ordered(op, a.cmp(&b)),
    }
}

fn ordered(op: CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Eq => o.is_eq(),
        CompareOp::Ne => o.is_ne(),
        CompareOp::Gt => o.is_gt(),
        CompareOp::Ge => o.is_ge(),
        CompareOp::Lt => o.is_lt(),
        CompareOp::Le => o.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Str(String),
    Word(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    if text.chars().count() > MAX_LEN {
        return Err(format!("it is longer than {MAX_LEN} characters."));
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (token, len) = match c {
            c if c.is_whitespace() => (None, c.len_utf8()),
            '(' => (Some(Token::Open), 1),
            ')' => (Some(Token::Close), 1),
            '[' => (Some(Token::OpenBracket), 1),
            ']' => (Some(Token::CloseBracket), 1),
            '"' => {
                let len = string_len(rest).ok_or("a string is not closed.")?;
                let s = serde_json::from_str(&rest[..len])
                    .map_err(|_| "a string is not valid JSON.")?;
                (Some(Token::Str(s)), len)
            }
            _ => {
                let len = rest
                    .find(|c: char| c.is_whitespace() || "()[]\"".contains(c))
                    .unwrap_or(rest.len());
                (Some(Token::Word(rest[..len].to_owned())), len)
            }
        };
        out.extend(token);
        rest = &rest[len..];
    }
    Ok(out)
}

/// The length in bytes of the JSON string `text` opens with, closing quote included.
fn string_len(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Where names are resolved: the resource's attributes, or a complex attribute's sub-attributes
/// (inside a value filter).
#[derive(Clone, Copy)]
enum Scope {
    Resource(ResourceKind),
    Within(&'static Attribute),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    scope: Scope,
}

impl Parser {
    fn new(text: &str, kind: ResourceKind) -> Result<Self, String> {
        Ok(Self {
            tokens: tokens(text)?,
            at: 0,
            depth: 0,
            scope: Scope::Resource(kind),
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word));
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), String> {
        if self.next() == Some(token) {
            Ok(())
        } else {
            Err(format!("{what} is missing."))
        }
    }

    fn end(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err("it goes on after its end.".into()),
        }
    }

    /// Runs `read` one level deeper, refusing past [`MAX_DEPTH`] before it recurses.
    fn nested<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!("it is nested deeper than {MAX_DEPTH}."));
        }
        self.depth += 1;
        let read = read(self);
        self.depth -= 1;
        read
    }

    fn or_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.keyword("not") {
            self.expect(Token::Open, "`(` after `not`")?;
            let inner = self.nested(Self::or_expr)?;
            self.expect(Token::Close, "`)`")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.nested(Self::or_expr)?;
                self.expect(Token::Close, "`)`")?;
                Ok(inner)
            }
            Some(Token::Word(name)) => self.attr_expr(&name),
            _ => Err("an attribute is expected.".into()),
        }
    }

    fn attr_expr(&mut self, name: &str) -> Result<Filter, String> {
        let (attr, sub) = match self.name(name)? {
            Resolved::Attr(attr, sub) => (attr, sub),
            Resolved::Ignored => return Err(format!("{} is not stored here.", quoted(name))),
        };
        if self.peek() == Some(&Token::OpenBracket) && sub.is_none() {
            return self.value_path(attr);
        }
        self.comparison(attr_path(attr, sub))
    }

    /// `attr[filter]`, maybe followed by `.sub op value`.
    fn value_path(&mut self, attr: &'static Attribute) -> Result<Filter, String> {
        let filter = self.filter_of(attr)?;
        let Some(Token::Word(word)) = self.peek().cloned() else {
            return Ok(Filter::ValuePath {
                attr: attr.name,
                filter: Box::new(filter),
            });
        };
        let Some(sub) = word.strip_prefix('.') else {
            return Ok(Filter::ValuePath {
                attr: attr.name,
                filter: Box::new(filter),
            });
        };
        self.at += 1;
        let sub = attr
            .sub(sub)
            .ok_or_else(|| format!("No attribute {}.", quoted(&word)))?;
        let last = self.comparison(attr_path(sub, None))?;
        let filter = Filter::And(Box::new(filter), Box::new(last));
        Ok(Filter::ValuePath {
            attr: attr.name,
            filter: Box::new(filter),
        })
    }

    /// `[filter]` over the values of the complex `attr`.
    fn filter_of(&mut self, attr: &'static Attribute) -> Result<Filter, String> {
        if attr.kind != AttrType::Complex || !matches!(self.scope, Scope::Resource(_)) {
            return Err(format!("{} has no values to filter.", quoted(attr.name)));
        }
        self.expect(Token::OpenBracket, "`[`")?;
        let outer = std::mem::replace(&mut self.scope, Scope::Within(attr));
        let filter = self.nested(Self::or_expr);
        self.scope = outer;
        let filter = filter?;
        self.expect(Token::CloseBracket, "`]`")?;
        Ok(filter)
    }

    fn name(&self, name: &str) -> Result<Resolved, String> {
        match self.scope {
            Scope::Resource(kind) => resolve(kind, name),
            Scope::Within(parent) => parent
                .sub(name)
                .map(|a| Resolved::Attr(a, None))
                .ok_or_else(|| format!("No attribute {}.", quoted(name))),
        }
    }

    /// `pr`, or an operator and a value, after `path`.
    fn comparison(&mut self, path: (AttrPath, AttrType)) -> Result<Filter, String> {
        let (path, kind) = path;
        let Some(Token::Word(word)) = self.next() else {
            return Err("an operator is expected.".into());
        };
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let op = CompareOp::from_word(&word)
            .ok_or_else(|| format!("{} is not an operator.", quoted(&word)))?;
        if kind == AttrType::Complex {
            return Err(format!(
                "{} is compared by its sub-attributes.",
                quoted(path.attr)
            ));
        }
        let value = self.value()?;
        let fits = match op {
            CompareOp::Eq | CompareOp::Ne => true,
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => value.is_string(),
            _ => value.is_string() || value.is_number(),
        };
        if !fits {
            return Err(format!("`{}` does not compare {value}.", op.as_str()));
        }
        Ok(Filter::Compare { path, op, value })
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                _ => match serde_json::from_str::<Value>(&w) {
                    Ok(n @ Value::Number(_)) => Ok(n),
                    _ => Err(format!("{} is not a value.", quoted(&w))),
                },
            },
            _ => Err("a value is expected.".into()),
        }
    }

    /// A patch path: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
    fn path(&mut self) -> Result<Option<Path>, String> {
        let Some(Token::Word(name)) = self.next() else {
            return Err("an attribute is expected.".into());
        };
        let (attr, sub) = match self.name(&name)? {
            Resolved::Attr(attr, sub) => (attr, sub),
            Resolved::Ignored => return Ok(None),
        };
        if sub.is_some() || self.peek() != Some(&Token::OpenBracket) {
            return Ok(Some(Path {
                attr,
                filter: None,
                sub,
            }));
        }
        let filter = Some(self.filter_of(attr)?);
        let sub = match self.next() {
            None => None,
            Some(Token::Word(w)) => {
                let s = w.strip_prefix('.').and_then(|s| attr.sub(s));
                Some(s.ok_or_else(|| format!("No attribute {}.", quoted(&w)))?)
            }
            Some(_) => return Err("it goes on after its end.".into()),
        };
        Ok(Some(Path { attr, filter, sub }))
    }
}

fn attr_path(attr: &'static Attribute, sub: Option<&'static Attribute>) -> (AttrPath, AttrType) {
    let named = sub.unwrap_or(attr);
    (
        AttrPath {
            attr: attr.name,
            sub: sub.map(|s| s.name),
            case_exact: named.case_exact,
        },
        named.kind,
    )
}

// ---------------------------------------------------------------------------------------------
// Writing

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sub {
            Some(sub) => write!(f, "{}.{sub}", self.attr),
            None => f.write_str(self.attr),
        }
    }
}

/// Written with only the parentheses the grammar needs, so it reads back as the same filter.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grouped = |f: &mut fmt::Formatter<'_>, filter: &Filter, parens: bool| {
            if parens {
                write!(f, "({filter})")
            } else {
                write!(f, "{filter}")
            }
        };
        match self {
            Self::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
            Self::Present(path) => write!(f, "{path} pr"),
            Self::And(a, b) => {
                grouped(f, a, matches!(**a, Self::Or(..)))?;
                f.write_str(" and ")?;
                grouped(f, b, matches!(**b, Self::Or(..) | Self::And(..)))
            }
            Self::Or(a, b) => {
                grouped(f, a, false)?;
                f.write_str(" or ")?;
                grouped(f, b, matches!(**b, Self::Or(..)))
            }
            Self::Not(a) => write!(f, "not ({a})"),
            Self::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user_filter(text: &str) -> Filter {
        Filter::parse(text, ResourceKind::User).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn refusal(text: &str, kind: ResourceKind) -> Option<ScimType> {
        Filter::parse(text, kind).err().and_then(|e| e.scim_type)
    }

    fn alice() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "externalId": "Alice-Ext",
            "userName": "Alice@Example.com",
            "displayName": "Alice Liddell",
            "name": {"givenName": "Alice", "familyName": "Liddell"},
            "emails": [
                {"value": "alice@work.example", "type": "work", "primary": true},
                {"value": "alice@home.example", "type": "home"}
            ],
            "active": true,
            "meta": {"lastModified": "2026-05-13T04:42:34Z", "resourceType": "User"},
            "title": ""
        })
    }

    fn matches(text: &str) -> bool {
        user_filter(text).matches(&alice())
    }

    #[test]
    fn each_operator_compares_as_the_rfc_says() {
        assert!(matches(r#"userName eq "alice@example.com""#));
        assert!(!matches(r#"userName eq "alice""#));
        assert!(matches(r#"userName ne "bob@example.com""#));
        assert!(!matches(r#"userName ne "ALICE@example.com""#));
        assert!(matches(r#"displayName co "LIDD""#));
        assert!(matches(r#"displayName sw "alice""#));
        assert!(!matches(r#"displayName sw "liddell""#));
        assert!(matches(r#"displayName ew "Liddell""#));
        assert!(matches(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#));
        assert!(matches(r#"meta.lastModified ge "2026-05-13T04:42:34Z""#));
        assert!(!matches(r#"meta.lastModified lt "2026-05-13T04:42:34Z""#));
        assert!(matches(r#"meta.lastModified le "2026-05-13T04:42:34Z""#));
        assert!(matches("active eq true"));
        assert!(!matches("active eq false"));
        assert!(matches("emails pr"));
        assert!(matches("name.givenName pr"));
        assert!(!matches("displayName pr and externalId eq \"alice-ext\""));
    }

    #[test]
    fn present_is_neither_absent_nor_null_nor_empty() {
        let resource = json!({"userName": "", "displayName": null, "emails": [], "name": {}});
        for absent in [
            "userName pr",
            "displayName pr",
            "emails pr",
            "name pr",
            "externalId pr",
        ] {
            assert!(!user_filter(absent).matches(&resource), "{absent}");
        }
    }

    #[test]
    fn case_exact_attributes_compare_exactly() {
        assert!(matches(r#"externalId eq "Alice-Ext""#));
        assert!(!matches(r#"externalId eq "alice-ext""#));
        assert!(matches(r#"id eq "2819c223""#));
    }

    #[test]
    fn names_operators_and_keywords_are_case_insensitive() {
        assert!(matches(
            r#"USERNAME EQ "alice@example.com" AND Active Eq TRUE"#
        ));
        assert!(matches(r#"NOT (username Eq "bob")"#));
        assert!(matches(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Alice@example.com""#
        ));
        assert!(matches(
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName eq "alice""#
        ));
    }

    #[test]
    fn multi_valued_attributes_match_when_any_value_does() {
        assert!(matches(r#"emails.value eq "alice@home.example""#));
        assert!(matches(r#"emails.type eq "home""#));
        assert!(!matches(r#"emails.type eq "other""#));
        assert!(matches(r#"emails[type eq "work" and value co "@work"]"#));
        // Both conditions must hold for the same value.
        assert!(!matches(r#"emails[type eq "work" and value co "@home"]"#));
        assert!(matches(
            r#"emails[type eq "work"].value eq "ALICE@work.example""#
        ));
        assert!(!matches(
            r#"emails[type eq "home"].value eq "alice@work.example""#
        ));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // false and true or true: (false and true) or true = true; false and (true or true) = false.
        let f = user_filter(r#"userName eq "x" and active eq true or displayName pr"#);
        assert!(matches!(f, Filter::Or(..)), "{f:?}");
        assert!(f.matches(&alice()));
        assert!(!matches(
            r#"userName eq "x" and (active eq true or displayName pr)"#
        ));
        let f = user_filter(r#"displayName pr or userName eq "x" and active eq false"#);
        assert!(
            matches!(&f, Filter::Or(_, b) if matches!(**b, Filter::And(..))),
            "{f:?}"
        );
    }

    #[test]
    fn numbers_null_and_escaped_strings_are_values() {
        let resource = json!({"displayName": "say \"hi\"\n", "externalId": null});
        assert!(user_filter(r#"displayName eq "say \"hi\"\n""#).matches(&resource));
        assert!(user_filter("externalId eq null").matches(&resource));
        assert!(user_filter(r#"displayName eq "\u0053AY \"HI\"\n""#).matches(&resource));
        let f = user_filter("displayName gt 1.5e3");
        assert!(matches!(
            f,
            Filter::Compare {
                value: Value::Number(_),
                ..
            }
        ));
    }

    #[test]
    fn groups_filter_on_members() {
        let group =
            json!({"displayName": "Agents", "members": [{"value": "abc"}, {"value": "def"}]});
        let f = Filter::parse(r#"members[value eq "abc"]"#, ResourceKind::Group).unwrap();
        assert!(f.matches(&group));
        let f = Filter::parse(r#"members[value eq "ABC"]"#, ResourceKind::Group).unwrap();
        assert!(!f.matches(&group), "member ids are case-exact");
        let f = Filter::parse(r#"displayName eq "agents""#, ResourceKind::Group).unwrap();
        assert!(f.matches(&group));
    }

    #[test]
    fn the_filters_entra_id_and_okta_send_are_read() {
        // Entra ID's matching queries, and Okta's lookup by userName.
        for text in [
            r#"userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081""#,
            r#"externalId eq "9950b140-90a0-4201-9d65-b5f209fb4cd0""#,
            r#"displayName eq "Group1DisplayName""#,
            r#"userName eq "test.user@okta.local""#,
        ] {
            let kind = if text.starts_with("displayName") {
                ResourceKind::Group
            } else {
                ResourceKind::User
            };
            assert!(Filter::parse(text, kind).is_ok(), "{text}");
        }
    }

    #[test]
    fn faults_are_invalid_filter() {
        let user = ResourceKind::User;
        for bad in [
            "",
            "userName",
            "userName eq",
            r#"userName xx "a""#,
            r#"nickName eq "a""#,
            r#"name.middle eq "a""#,
            r#"members[value eq "a"]"#,
            r#"userName eq "a" and"#,
            r#"(userName eq "a""#,
            r#"userName eq "a")"#,
            r#"not userName eq "a""#,
            r#"userName eq "unclosed"#,
            r#"userName eq 'single'"#,
            "userName eq bare",
            "active gt true",
            "userName co 1",
            r#"name eq "x""#,
            r#"emails[type eq "work""#,
            r#"emails[type eq "work"].nope eq "x""#,
            r#"userName[value eq "x"]"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x""#,
        ] {
            assert_eq!(refusal(bad, user), Some(ScimType::InvalidFilter), "{bad}");
        }
        assert_eq!(
            refusal(r#"userName eq "a""#, ResourceKind::Group),
            Some(ScimType::InvalidFilter)
        );
    }

    #[test]
    fn long_and_deep_filters_are_refused_before_they_are_read() {
        let long = format!(r#"userName eq "{}""#, "a".repeat(MAX_LEN));
        assert_eq!(
            refusal(&long, ResourceKind::User),
            Some(ScimType::InvalidFilter)
        );
        let nested = |depth: usize| format!("{}active pr{}", "(".repeat(depth), ")".repeat(depth));
        assert!(Filter::parse(&nested(MAX_DEPTH), ResourceKind::User).is_ok());
        assert_eq!(
            refusal(&nested(MAX_DEPTH + 1), ResourceKind::User),
            Some(ScimType::InvalidFilter)
        );
        let nots = format!(
            "{}active pr{}",
            "not (".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            refusal(&nots, ResourceKind::User),
            Some(ScimType::InvalidFilter)
        );
        // Far deeper than any stack would hold, within the length limit.
        let deep = "(".repeat(MAX_LEN);
        assert_eq!(
            refusal(&deep, ResourceKind::User),
            Some(ScimType::InvalidFilter)
        );
    }

    #[test]
    fn details_quote_a_bounded_printable_part_of_the_filter() {
        let hostile = format!("\u{1B}[2J{}", "x".repeat(500));
        let e = Filter::parse(&hostile, ResourceKind::User).unwrap_err();
        assert!(!e.detail.contains('\u{1B}'), "{}", e.detail);
        assert!(e.detail.chars().count() < 200, "{}", e.detail);
    }

    #[test]
    fn paths_name_an_attribute_its_values_and_a_sub_attribute() {
        let path = Path::parse(r#"emails[type eq "work"].value"#, ResourceKind::User)
            .unwrap()
            .unwrap();
        assert_eq!(
            (path.attr.name, path.sub.map(|s| s.name)),
            ("emails", Some("value"))
        );
        assert!(path.filter.is_some());
        let path = Path::parse("name.givenName", ResourceKind::User)
            .unwrap()
            .unwrap();
        assert_eq!(
            (path.attr.name, path.sub.map(|s| s.name)),
            ("name", Some("givenName"))
        );
        let path = Path::parse(r#"members[value eq "ID"]"#, ResourceKind::Group)
            .unwrap()
            .unwrap();
        assert_eq!(path.attr.name, "members");
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
        assert_eq!(Path::parse(ext, ResourceKind::User), Ok(None));
        // A core attribute nothing here keeps is accepted and ignored, as the extension is.
        assert_eq!(Path::parse("nickName", ResourceKind::User), Ok(None));
        assert!(Path::parse("nickName", ResourceKind::Group).is_err());
        for bad in [
            "",
            "shoeSize",
            "name.shoeSize",
            "emails[type eq]",
            "userName extra",
            "a.b.c",
        ] {
            let refused = Path::parse(bad, ResourceKind::User).unwrap_err();
            assert_eq!(refused.scim_type, Some(ScimType::InvalidPath), "{bad}");
        }
    }

    #[test]
    fn a_printed_filter_reads_back_as_itself() {
        for text in [
            r#"userName eq "a" and (active eq true or displayName pr)"#,
            r#"(userName eq "a" or active eq true) and displayName pr"#,
            r#"userName eq "a" and (active eq true and displayName pr)"#,
            r#"not (emails[type eq "work" or value ew ".org"]) or name.givenName sw "\"q\"""#,
            "displayName gt -2.5 or displayName le 10",
        ] {
            let f = user_filter(text);
            assert_eq!(user_filter(&f.to_string()), f, "{text} printed {f}");
        }
    }
}
