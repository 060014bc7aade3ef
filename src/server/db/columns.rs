//! The domain's closed sets as columns: each is stored as its string
//! spelling and decoded back into the enum. A value the enum does not know
//! is a decode error, never a default: a bad row fails loudly instead of
//! being read as some other provider or status.

use crate::domain::decision::DecisionKind;
use crate::domain::verification::{
    CheckCategory, CheckOutcome, Provider, ReviewStatus, UpstreamStatus,
};
use crate::domain::Role;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Sqlite, Type};

macro_rules! text_column {
    ($($t:ty => $parse:expr),+ $(,)?) => {$(
        impl Type<Sqlite> for $t {
            fn type_info() -> SqliteTypeInfo {
                <&str as Type<Sqlite>>::type_info()
            }

            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <&str as Type<Sqlite>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $t {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                let s = <&str as Decode<Sqlite>>::decode(value)?;
                let parse: fn(&str) -> Option<$t> = $parse;
                parse(s).ok_or_else(|| {
                    format!("{s:?} is not a {} the code knows", stringify!($t)).into()
                })
            }
        }

        impl<'q> Encode<'q, Sqlite> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut Vec<SqliteArgumentValue<'q>>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Sqlite>>::encode(self.as_str(), buf)
            }
        }
    )+};
}

text_column! {
    Provider => Provider::parse,
    UpstreamStatus => UpstreamStatus::parse,
    ReviewStatus => ReviewStatus::parse,
    CheckCategory => CheckCategory::parse,
    CheckOutcome => CheckOutcome::parse,
    DecisionKind => DecisionKind::parse,
    Role => |s| s.parse().ok(),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_known_value_reads_back_and_an_unknown_one_is_an_error() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:")
            .await
            .expect("db");
        let p: Provider = sqlx::query_scalar("SELECT $1")
            .bind(Provider::BiometricKz)
            .fetch_one(&pool)
            .await
            .expect("known");
        assert_eq!(p, Provider::BiometricKz);
        let bad = sqlx::query_scalar::<_, Provider>("SELECT 'not-a-provider'")
            .fetch_one(&pool)
            .await;
        assert!(bad.is_err(), "never read as some default provider");
        let role: Role = sqlx::query_scalar("SELECT 'compliance_officer'")
            .fetch_one(&pool)
            .await
            .expect("role");
        assert_eq!(role, Role::ComplianceOfficer);
    }
}
