//! The kinds a record is sorted by, stored as text. Parsing also takes the Chinese words
//! clerks write in spreadsheets, so an import needs no translation step.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl UnknownValue {
    fn new(kind: &'static str, value: &str) -> UnknownValue {
        UnknownValue {
            kind,
            value: value.to_string(),
        }
    }
}

/// Input as compared: trimmed, and lower case so `VIP`, `Vip` and `vip` are one.
fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomerType {
    Personal,
    Enterprise,
    Vip,
}

impl CustomerType {
    pub const ALL: [CustomerType; 3] = [Self::Personal, Self::Enterprise, Self::Vip];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Enterprise => "enterprise",
            Self::Vip => "vip",
        }
    }

    /// The first letter of a customer code: `P-2026-000042`.
    pub fn code_letter(self) -> char {
        match self {
            Self::Personal => 'P',
            Self::Enterprise => 'E',
            Self::Vip => 'V',
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Personal => "customer-type-personal",
            Self::Enterprise => "customer-type-enterprise",
            Self::Vip => "customer-type-vip",
        }
    }
}

impl FromStr for CustomerType {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match key(s).as_str() {
            "personal" | "个人" | "个人客户" => Ok(Self::Personal),
            "enterprise" | "企业" | "企业客户" => Ok(Self::Enterprise),
            "vip" | "vip客户" => Ok(Self::Vip),
            _ => Err(UnknownValue::new("customer type", s)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccupantRole {
    Owner,
    Tenant,
}

impl OccupantRole {
    pub const ALL: [OccupantRole; 2] = [Self::Owner, Self::Tenant];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Tenant => "tenant",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Owner => "customer-role-owner",
            Self::Tenant => "customer-role-tenant",
        }
    }
}

impl FromStr for OccupantRole {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match key(s).as_str() {
            "owner" | "业主" => Ok(Self::Owner),
            "tenant" | "租户" => Ok(Self::Tenant),
            _ => Err(UnknownValue::new("occupant role", s)),
        }
    }
}

/// The channel through which the customer first came to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Phone,
    Website,
    WalkIn,
    Referral,
    App,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Self::Phone,
        Self::Website,
        Self::WalkIn,
        Self::Referral,
        Self::App,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Website => "website",
            Self::WalkIn => "walk-in",
            Self::Referral => "referral",
            Self::App => "app",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Phone => "customer-source-phone",
            Self::Website => "customer-source-website",
            Self::WalkIn => "customer-source-walk-in",
            Self::Referral => "customer-source-referral",
            Self::App => "customer-source-app",
        }
    }
}

impl FromStr for Source {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match key(s).as_str() {
            "phone" | "电话" => Ok(Self::Phone),
            "website" | "网站" => Ok(Self::Website),
            "walk-in" | "上门" | "到访" => Ok(Self::WalkIn),
            "referral" | "转介绍" | "推荐" => Ok(Self::Referral),
            "app" | "应用" => Ok(Self::App),
            _ => Err(UnknownValue::new("source", s)),
        }
    }
}

/// Where a record is in its lifecycle: dormant ones move to the review lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    PendingActivation,
    Cleanup,
    Archived,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Self::Active,
        Self::PendingActivation,
        Self::Cleanup,
        Self::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::PendingActivation => "pending_activation",
            Self::Cleanup => "cleanup",
            Self::Archived => "archived",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Self::Active => "customer-status-active",
            Self::PendingActivation => "customer-status-pending-activation",
            Self::Cleanup => "customer-status-cleanup",
            Self::Archived => "customer-status-archived",
        }
    }
}

impl FromStr for Status {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match key(s).as_str() {
            "active" | "正常" => Ok(Self::Active),
            "pending_activation" | "待激活" => Ok(Self::PendingActivation),
            "cleanup" | "待清理" => Ok(Self::Cleanup),
            "archived" | "归档" | "已归档" => Ok(Self::Archived),
            _ => Err(UnknownValue::new("status", s)),
        }
    }
}

impl fmt::Display for CustomerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for OccupantRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZH_FTL: &str = include_str!("../../locales/zh-CN/customer.ftl");
    const EN_FTL: &str = include_str!("../../locales/en/customer.ftl");

    #[test]
    fn every_kind_reads_back_what_it_stores() {
        for kind in CustomerType::ALL {
            assert_eq!(kind.as_str().parse::<CustomerType>(), Ok(kind));
        }
        for kind in OccupantRole::ALL {
            assert_eq!(kind.as_str().parse::<OccupantRole>(), Ok(kind));
        }
        for kind in Source::ALL {
            assert_eq!(kind.to_string().parse::<Source>(), Ok(kind));
        }
        for kind in Status::ALL {
            assert_eq!(kind.to_string().parse::<Status>(), Ok(kind));
        }
    }

    #[test]
    fn chinese_words_and_other_cases_are_understood() {
        assert_eq!("个人".parse(), Ok(CustomerType::Personal));
        assert_eq!(" 企业 ".parse(), Ok(CustomerType::Enterprise));
        assert_eq!("VIP".parse(), Ok(CustomerType::Vip));
        assert_eq!("业主".parse(), Ok(OccupantRole::Owner));
        assert_eq!("租户".parse(), Ok(OccupantRole::Tenant));
        assert_eq!("到访".parse(), Ok(Source::WalkIn));
        assert_eq!("推荐".parse(), Ok(Source::Referral));
        assert_eq!("APP".parse(), Ok(Source::App));
        assert_eq!("待激活".parse(), Ok(Status::PendingActivation));
    }

    #[test]
    fn unknown_words_are_refused() {
        assert!("company".parse::<CustomerType>().is_err());
        assert!("".parse::<OccupantRole>().is_err());
        assert!("walk in".parse::<Source>().is_err());
        assert!("deleted".parse::<Status>().is_err());
    }

    #[test]
    fn code_letters_start_customer_codes() {
        let letters: String = CustomerType::ALL.map(|t| t.code_letter()).iter().collect();
        assert_eq!(letters, "PEV");
    }

    #[test]
    fn every_label_has_text_in_both_languages() {
        let labels = CustomerType::ALL
            .map(|k| k.label_key())
            .into_iter()
            .chain(OccupantRole::ALL.map(|k| k.label_key()))
            .chain(Source::ALL.map(|k| k.label_key()))
            .chain(Status::ALL.map(|k| k.label_key()));
        for label in labels {
            for ftl in [ZH_FTL, EN_FTL] {
                let line = format!("\n{label} = ");
                assert!(ftl.contains(&line), "{label} is missing");
            }
        }
    }
}
