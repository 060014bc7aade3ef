//! Registering a customer with their provider references: the same rules for
//! the JSON API and the "Add customer" form.

use super::verification::Provider;
use serde::{Deserialize, Deserializer, Serialize};

/// What the onboarding app (or a reviewer) sends, before validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerInput {
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub refs: Vec<RefInput>,
}

/// One provider reference, before validation. Ids may arrive as JSON numbers
/// (Eclipse's are numeric) or strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefInput {
    #[serde(default)]
    pub provider: String,
    #[serde(default, deserialize_with = "string_or_number")]
    pub tenant_id: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub application_id: Option<String>,
    #[serde(default)]
    pub execution_id: Option<String>,
    #[serde(default)]
    pub reference_id: Option<String>,
}

string_enum! {
    /// One field of a [`RefInput`] (a reference's id parts).
    RefPart {
        TenantId = "tenant_id",
        CustomerId = "customer_id",
        SessionId = "session_id",
        ApplicationId = "application_id",
        ExecutionId = "execution_id",
        ReferenceId = "reference_id",
    }
}

impl RefInput {
    /// Sets one part (a blank value leaves it unset).
    pub fn set(&mut self, part: RefPart, value: &str) {
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        let slot = match part {
            RefPart::TenantId => &mut self.tenant_id,
            RefPart::CustomerId => &mut self.customer_id,
            RefPart::SessionId => &mut self.session_id,
            RefPart::ApplicationId => &mut self.application_id,
            RefPart::ExecutionId => &mut self.execution_id,
            RefPart::ReferenceId => &mut self.reference_id,
        };
        *slot = value;
    }

    /// Whether any part is filled in.
    pub fn is_empty(&self) -> bool {
        [
            &self.tenant_id,
            &self.customer_id,
            &self.session_id,
            &self.application_id,
            &self.execution_id,
            &self.reference_id,
        ]
        .iter()
        .all(|v| v.is_none())
    }
}

/// The name of a reference's field in the "Add customer" form:
/// `{provider}_{part}`, e.g. `eclipse_tenant_id`.
pub fn form_field(provider: Provider, part: RefPart) -> String {
    format!("{}_{}", provider.as_str(), part.as_str())
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(serde_json::Number),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|r| match r {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
    }))
}

/// A validated customer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomer {
    pub external_id: String,
    pub display_name: String,
    pub email: Option<String>,
    pub country: Option<String>,
    pub refs: Vec<ProviderRef>,
}

/// A validated provider reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum ProviderRef {
    Eclipse {
        tenant_id: String,
        customer_id: String,
    },
    BiometricKz {
        session_id: String,
    },
    Ident {
        application_id: String,
    },
    Width {
        execution_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_id: Option<String>,
    },
}

impl ProviderRef {
    pub fn provider(&self) -> Provider {
        match self {
            ProviderRef::Eclipse { .. } => Provider::Eclipse,
            ProviderRef::BiometricKz { .. } => Provider::BiometricKz,
            ProviderRef::Ident { .. } => Provider::Ident,
            ProviderRef::Width { .. } => Provider::Width,
        }
    }

    /// The canonical key of what we poll upstream (unique per provider).
    pub fn key(&self) -> String {
        match self {
            ProviderRef::Eclipse {
                tenant_id,
                customer_id,
            } => format!("{tenant_id}/{customer_id}"),
            ProviderRef::BiometricKz { session_id } => session_id.clone(),
            ProviderRef::Ident { application_id } => application_id.clone(),
            ProviderRef::Width { execution_id, .. } => execution_id.clone(),
        }
    }

    /// A short human description, e.g. "tenant 100 / customer 1002".
    pub fn describe(&self) -> String {
        match self {
            ProviderRef::Eclipse {
                tenant_id,
                customer_id,
            } => format!("tenant {tenant_id} / customer {customer_id}"),
            ProviderRef::BiometricKz { session_id } => format!("session {session_id}"),
            ProviderRef::Ident { application_id } => format!("application {application_id}"),
            ProviderRef::Width { execution_id, .. } => format!("execution {execution_id}"),
        }
    }
}

/// A validation failure: the field (e.g. `refs[1].session_id`) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

pub const MAX_REFS: usize = 20;

impl CustomerInput {
    /// Checks every field; the first bad one is named.
    pub fn validate(&self) -> Result<NewCustomer, FieldError> {
        let external_id = self.external_id.trim();
        if external_id.is_empty() {
            return Err(err(
                "external_id",
                "Enter the customer's id in the onboarding app.",
            ));
        }
        if external_id.len() > 128
            || !external_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._:-@".contains(c))
        {
            return Err(err(
                "external_id",
                "Use at most 128 letters, digits and . _ : - @ for the external id.",
            ));
        }
        let display_name = super::user::PersonName::parse(&self.display_name)
            .map_err(|m| err("display_name", m))?
            .as_str()
            .to_string();
        let email = match self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(e) => Some(
                super::user::Email::parse(e)
                    .map_err(|m| err("email", m))?
                    .as_str()
                    .to_string(),
            ),
        };
        let country = match self
            .country
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                Some(c.to_ascii_uppercase())
            }
            Some(_) => {
                return Err(err(
                    "country",
                    "Use a two-letter country code such as KZ or ZA.",
                ))
            }
        };
        if self.refs.len() > MAX_REFS {
            return Err(err(
                "refs",
                format!("At most {MAX_REFS} provider references."),
            ));
        }
        let mut refs: Vec<ProviderRef> = Vec::new();
        for (i, r) in self.refs.iter().enumerate() {
            let parsed = r.validate(&format!("refs[{i}]"))?;
            if refs
                .iter()
                .any(|p| p.provider() == parsed.provider() && p.key() == parsed.key())
            {
                return Err(err(format!("refs[{i}]"), "This reference is listed twice."));
            }
            refs.push(parsed);
        }
        Ok(NewCustomer {
            external_id: external_id.to_string(),
            display_name,
            email,
            country,
            refs,
        })
    }
}

impl RefInput {
    pub fn validate(&self, at: &str) -> Result<ProviderRef, FieldError> {
        let required = |v: &Option<String>, name: &str| -> Result<String, FieldError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Ok(s.to_string()),
                None => Err(err(
                    format!("{at}.{name}"),
                    format!("Enter the {}.", name.replace('_', " ")),
                )),
            }
        };
        let optional = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match Provider::parse(self.provider.trim()) {
            Some(Provider::Eclipse) => {
                let tenant_id = required(&self.tenant_id, "tenant_id")?;
                let customer_id = required(&self.customer_id, "customer_id")?;
                for (name, v) in [("tenant_id", &tenant_id), ("customer_id", &customer_id)] {
                    if v.len() > 20 || !v.chars().all(|c| c.is_ascii_digit()) {
                        return Err(err(format!("{at}.{name}"), "Eclipse ids are numbers."));
                    }
                }
                Ok(ProviderRef::Eclipse {
                    tenant_id,
                    customer_id,
                })
            }
            Some(Provider::BiometricKz) => {
                let session_id = required(&self.session_id, "session_id")?.to_ascii_lowercase();
                if !is_uuid(&session_id) {
                    return Err(err(
                        format!("{at}.session_id"),
                        "A biometric.kz session id is a UUID.",
                    ));
                }
                Ok(ProviderRef::BiometricKz { session_id })
            }
            Some(Provider::Ident) => {
                let application_id =
                    required(&self.application_id, "application_id")?.to_ascii_lowercase();
                if !is_uuid(&application_id) {
                    return Err(err(
                        format!("{at}.application_id"),
                        "An ident application id is a UUID.",
                    ));
                }
                Ok(ProviderRef::Ident { application_id })
            }
            Some(Provider::Width) => {
                let execution_id = required(&self.execution_id, "execution_id")?;
                let customer_id = optional(&self.customer_id);
                let reference_id = optional(&self.reference_id);
                for (name, v) in [
                    ("execution_id", Some(&execution_id)),
                    ("customer_id", customer_id.as_ref()),
                    ("reference_id", reference_id.as_ref()),
                ] {
                    if let Some(v) = v {
                        if v.len() > 128
                            || !v
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c))
                        {
                            return Err(err(
                                format!("{at}.{name}"),
                                "Use at most 128 letters, digits and . _ : -",
                            ));
                        }
                    }
                }
                Ok(ProviderRef::Width {
                    execution_id,
                    customer_id,
                    reference_id,
                })
            }
            None => Err(err(
                format!("{at}.provider"),
                "The provider is one of eclipse, biometric_kz, ident, width.",
            )),
        }
    }
}

/// Shows enough of an e-mail address to recognise it: `a•••@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// A name masked down to its initials: "Aigerim Sarsenova" is "A••• S•••".
pub fn mask_name(name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| {
            let first: String = w.chars().take(1).collect();
            format!("{first}•••")
        })
        .collect();
    if words.is_empty() {
        "•••".into()
    } else {
        words.join(" ")
    }
}

/// A reason for revealing personal data: 10 to 500 characters.
pub fn check_reveal_reason(raw: &str) -> Result<String, &'static str> {
    let r = raw.trim();
    match r.chars().count() {
        0..=9 => Err("Say why you need to see it (at least 10 characters)."),
        501.. => Err("Keep the reason under 500 characters."),
        _ => Ok(r.to_string()),
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> CustomerInput {
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn a_customer_with_refs_to_all_four_providers_validates() {
        let c = input(
            r#"{"external_id":"cust-1","display_name":" Ann Lee ","email":"Ann@Example.com","country":"kz","refs":[
                {"provider":"eclipse","tenant_id":100,"customer_id":"1002"},
                {"provider":"biometric_kz","session_id":"11111111-0000-4000-8000-000000000001"},
                {"provider":"ident","application_id":"E494EE10-BBF5-45BB-81AA-7E3561D8C729"},
                {"provider":"width","execution_id":"exec-1","customer_id":"C_abc123","reference_id":"onb-1"}]}"#,
        )
        .validate()
        .expect("valid");
        assert_eq!(c.display_name, "Ann Lee");
        assert_eq!(c.email.as_deref(), Some("ann@example.com"));
        assert_eq!(c.country.as_deref(), Some("KZ"));
        assert_eq!(c.refs[0].key(), "100/1002");
        assert_eq!(c.refs[2].key(), "e494ee10-bbf5-45bb-81aa-7e3561d8c729");
        assert_eq!(c.refs[3].provider(), Provider::Width);
    }

    #[test]
    fn e_mails_are_masked_down_to_a_hint() {
        assert_eq!(mask_email("aigerim@example.com"), "a•••@example.com");
        assert_eq!(mask_email("nonsense"), "•••");
    }

    #[test]
    fn names_are_masked_down_to_their_initials() {
        assert_eq!(mask_name("Aigerim Sarsenova"), "A••• S•••");
        assert_eq!(mask_name("  Émile  "), "É•••");
        assert_eq!(mask_name(""), "•••");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (r#"{"display_name":"A"}"#, "external_id"),
            (r#"{"external_id":"x y","display_name":"A"}"#, "external_id"),
            (r#"{"external_id":"x","display_name":""}"#, "display_name"),
            (
                r#"{"external_id":"x","display_name":"A","email":"nope"}"#,
                "email",
            ),
            (
                r#"{"external_id":"x","display_name":"A","country":"KAZ"}"#,
                "country",
            ),
            (
                r#"{"external_id":"x","display_name":"A","refs":[{"provider":"acme"}]}"#,
                "refs[0].provider",
            ),
            (
                r#"{"external_id":"x","display_name":"A","refs":[{"provider":"eclipse","tenant_id":"1"}]}"#,
                "refs[0].customer_id",
            ),
            (
                r#"{"external_id":"x","display_name":"A","refs":[{"provider":"eclipse","tenant_id":"1","customer_id":"abc"}]}"#,
                "refs[0].customer_id",
            ),
            (
                r#"{"external_id":"x","display_name":"A","refs":[{"provider":"biometric_kz","session_id":"not-a-uuid"}]}"#,
                "refs[0].session_id",
            ),
            (
                r#"{"external_id":"x","display_name":"A","refs":[{"provider":"ident","application_id":"e494ee10-bbf5-45bb-81aa-7e3561d8c729"},{"provider":"ident","application_id":"e494ee10-bbf5-45bb-81aa-7e3561d8c729"}]}"#,
                "refs[1]",
            ),
        ];
        for (json, field) in cases {
            let e = input(json).validate().expect_err(json);
            assert_eq!(e.field, field, "{json}");
        }
    }
}
