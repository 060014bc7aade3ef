//! Demo mode: one account per role (two compliance officers, since sanctions
//! decisions need two), created once. Their passwords are generated and
//! returned for printing once, unless one is configured for tests.

use super::users::{self, Deps, NewUser};
use crate::error::AppError;
use crate::server::db::{self, audit::Actor, audit::Origin};
use secrecy::{ExposeSecret, SecretString};

pub const DEMO_USERS: [(&str, &str, &str); 5] = [
    ("reviewer@kyc-desk.test", "Rita Reviewer", "reviewer"),
    (
        "officer@kyc-desk.test",
        "Oscar Officer",
        "compliance_officer",
    ),
    (
        "officer2@kyc-desk.test",
        "Olga Officer",
        "compliance_officer",
    ),
    ("manager@kyc-desk.test", "Mona Manager", "manager"),
    ("admin@kyc-desk.test", "Adam Admin", "admin"),
];

/// A demo account created by this start, with its password.
pub struct Created {
    pub email: &'static str,
    pub role: &'static str,
    pub password: SecretString,
}

pub async fn ensure_users(
    d: &Deps<'_>,
    fixed_password: Option<&SecretString>,
) -> Result<Vec<Created>, AppError> {
    let mut created = Vec::new();
    for (email, name, role) in DEMO_USERS {
        if db::users::find_by_email(d.db.reader(), email)
            .await?
            .is_some()
        {
            continue;
        }
        let password = fixed_password.cloned().unwrap_or_else(generate_password);
        let new = NewUser::parse(email, name, role, password.clone())?;
        users::create(d, Actor::System("demo"), &Origin::default(), new).await?;
        created.push(Created {
            email,
            role,
            password,
        });
    }
    Ok(created)
}

/// 20 characters from an unambiguous alphabet (≈ 100 bits).
pub fn generate_password() -> SecretString {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let s: String = (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    SecretString::from(s)
}

/// Prints the demo accounts once, to the terminal (never to the log).
pub fn print_created(created: &[Created]) {
    if created.is_empty() {
        return;
    }
    println!("\nDemo accounts (shown once):");
    for c in created {
        println!(
            "  {:<26} {:<20} {}",
            c.email,
            c.role,
            c.password.expose_secret()
        );
    }
    println!();
}
