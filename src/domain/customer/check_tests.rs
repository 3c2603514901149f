//! The whole-form check, on rows of the test data generator (`gen_customers.py --seed 7`)
//! and on each rule in turn.

use chrono::NaiveDate;

use super::*;

/// The generator's "today".
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An input from one line of the generator's CSV (a line without quoted fields).
fn csv_row(line: &str) -> CustomerInput {
    let c: Vec<&str> = line.split(',').collect();
    assert_eq!(c.len(), 15, "{line}");
    CustomerInput {
        name: c[0].into(),
        customer_type: c[1].into(),
        phone: c[2].into(),
        email: c[3].into(),
        community: c[4].into(),
        building: c[5].into(),
        unit: c[6].into(),
        role: c[7].into(),
        id_number: c[8].into(),
        tags: c[9].into(),
        source: c[10].into(),
        first_contact_at: c[11].into(),
        last_interaction_at: c[12].into(),
        last_verified_at: c[13].into(),
        notes: c[14].into(),
        ..CustomerInput::default()
    }
}

// Lines of `python3 gen_customers.py --count 50 --seed 7 --out -`.
const PERSONAL: &str = "何荣,personal,13278220482,,Green Valley,7,301,owner,310115198906084343,,walk-in,2020-07-03,2021-03-13,2024-12-13,已登记装修申请";
const ENTERPRISE: &str = "北京宏图文化传媒有限公司,enterprise,15876626738,finance@hongtu-bj.com.cn,丽景湾,4,1303,owner,,欠费风险,phone,2020-04-23,2025-11-16,2025-02-07,";
const VIP: &str = "林鑫艳,vip,18807626596,linxinyan_1961@qq.com,金地名苑,15,2102,owner,450103198507219648,VIP,referral,2020-11-29,2023-03-08,2022-06-13,联系人：前台 王小姐";
const TWO_TAGS: &str = "赵艳德,personal,18658005893,zhaoyande_x49@126.com,书香门第,8,2202,tenant,440304197604223551,频繁投诉;高净值,phone,2026-04-23,2026-06-27,2026-05-07,联系人：前台 王小姐";
// In the file its notes are quoted: `"备注: ""VIP 通道"" 已开通"`.
const QUOTED_NOTES: &str = "邱颖诗,personal,18099292228,,Lakeside Residences,13,2604,owner,430103194508011951,,phone,2019-10-27,2021-01-19,2020-05-29,";

fn personal() -> CustomerInput {
    csv_row(PERSONAL)
}

fn enterprise() -> CustomerInput {
    csv_row(ENTERPRISE)
}

fn vip() -> CustomerInput {
    csv_row(VIP)
}

/// The error key of each field named, in order (`None` where the field passed).
fn errors_of(input: &CustomerInput, fields: &[&str]) -> Vec<Option<&'static str>> {
    let errors = check(input, today()).expect_err("the input should be refused");
    fields.iter().map(|f| errors.get(f)).collect()
}

#[test]
fn the_generators_good_rows_validate() {
    let quoted = CustomerInput {
        notes: r#"备注: "VIP 通道" 已开通"#.into(),
        ..csv_row(QUOTED_NOTES)
    };
    for input in [personal(), enterprise(), vip(), csv_row(TWO_TAGS), quoted] {
        if let Err(errors) = check(&input, today()) {
            panic!("{} refused: {errors:?}", input.name);
        }
    }
}

#[test]
fn a_good_row_becomes_a_typed_draft() {
    let draft = check(&vip(), today()).unwrap();
    assert_eq!(draft.customer_type, CustomerType::Vip);
    assert_eq!(draft.phone, "18807626596");
    assert_eq!(draft.email.as_deref(), Some("linxinyan_1961@qq.com"));
    assert_eq!(draft.role, Some(OccupantRole::Owner));
    assert_eq!(draft.id_number.as_deref(), Some("450103198507219648"));
    assert_eq!(draft.tags, vec!["VIP".to_string()]);
    assert_eq!(draft.source, Some(Source::Referral));
    assert_eq!(draft.first_contact_at, date(2020, 11, 29));
    assert_eq!(draft.last_interaction_at, Some(date(2023, 3, 8)));
    assert_eq!(draft.last_verified_at, Some(date(2022, 6, 13)));
    assert_eq!(draft.credit_code, None);

    let draft = check(&enterprise(), today()).unwrap();
    assert_eq!(draft.email, Some("finance@hongtu-bj.com.cn".into()));
    assert_eq!(draft.id_number, None);
    assert_eq!(draft.notes, "");
}

#[test]
fn chinese_words_and_loose_formats_are_normalised() {
    let input = CustomerInput {
        customer_type: "个人".into(),
        phone: "+86 132-7822-0482".into(),
        email: "HeRong@QQ.com".into(),
        role: "租户".into(),
        id_number: "11010119900307002x".into(),
        tags: "风险 / 欠费；新入住".into(),
        source: "上门".into(),
        notes: "第一行\r\n第二行\t完".into(),
        ..personal()
    };
    let draft = check(&input, today()).unwrap();
    assert_eq!(draft.customer_type, CustomerType::Personal);
    assert_eq!(draft.phone, "13278220482");
    assert_eq!(draft.email.as_deref(), Some("HeRong@qq.com"));
    assert_eq!(draft.role, Some(OccupantRole::Tenant));
    assert_eq!(draft.id_number.as_deref(), Some("11010119900307002X"));
    assert_eq!(
        draft.tags,
        vec!["风险/欠费".to_string(), "新入住".to_string()]
    );
    assert_eq!(draft.source, Some(Source::WalkIn));
    assert_eq!(draft.notes, "第一行\n第二行\t完");
}

#[test]
fn each_bad_kind_of_the_generator_is_refused_on_its_field() {
    let bad_phone = CustomerInput {
        phone: "1327822048".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&bad_phone, &["phone"]),
        [Some("err-phone-format")]
    );
    let bad_email = CustomerInput {
        email: "herong@@qq.com".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&bad_email, &["email"]),
        [Some("err-email-format")]
    );
    let bad_id = CustomerInput {
        id_number: "310115198906084342".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&bad_id, &["id_number"]),
        [Some("err-id-number-checksum")]
    );
    let missing_name = CustomerInput {
        name: "".into(),
        ..personal()
    };
    assert_eq!(errors_of(&missing_name, &["name"]), [Some("err-required")]);
}

#[test]
fn every_error_is_collected_at_once() {
    let input = CustomerInput {
        name: "王\u{0}丽".into(),
        customer_type: "company".into(),
        phone: "".into(),
        email: "a@b".into(),
        community: "".into(),
        building: "栋".repeat(33),
        unit: "1\u{1b}01".into(),
        role: "landlord".into(),
        id_number: "123".into(),
        tags: "a//b".into(),
        source: "fax".into(),
        first_contact_at: "2026-02-30".into(),
        last_interaction_at: "2027-01-01".into(),
        last_verified_at: "yesterday".into(),
        notes: "n".repeat(2001),
        credit_code: "91350100M000100Y44".into(),
        legal_representative: "李\u{7}四".into(),
    };
    let expected = [
        ("name", "err-invalid-chars"),
        ("type", "err-customer-type-unknown"),
        ("phone", "err-required"),
        ("email", "err-email-format"),
        ("community", "err-required"),
        ("building", "err-too-long"),
        ("unit", "err-invalid-chars"),
        ("role", "err-occupant-role-unknown"),
        ("id_number", "err-id-number-format"),
        ("tags", "err-tag-format"),
        ("source", "err-source-unknown"),
        ("first_contact_at", "err-date-invalid"),
        ("last_interaction_at", "err-date-future"),
        ("last_verified_at", "err-date-format"),
        ("notes", "err-too-long"),
        ("credit_code", "err-credit-code-checksum"),
        ("legal_representative", "err-invalid-chars"),
    ];
    let fields = expected.map(|(field, _)| field);
    assert_eq!(
        errors_of(&input, &fields),
        expected.map(|(_, key)| Some(key))
    );
}

#[test]
fn name_type_phone_community_source_and_first_contact_are_required() {
    let blank = CustomerInput::default();
    let fields = [
        "name",
        "type",
        "phone",
        "community",
        "source",
        "first_contact_at",
    ];
    assert_eq!(errors_of(&blank, &fields), [Some("err-required"); 6]);
    let optional = [
        "email",
        "building",
        "unit",
        "role",
        "id_number",
        "tags",
        "notes",
    ];
    assert_eq!(errors_of(&blank, &optional), [None; 7]);
}

#[test]
fn the_name_is_at_most_100_characters() {
    let long = CustomerInput {
        name: "名".repeat(101),
        ..personal()
    };
    assert_eq!(errors_of(&long, &["name"]), [Some("err-too-long")]);
    let just_fits = CustomerInput {
        name: "名".repeat(100),
        ..personal()
    };
    assert!(check(&just_fits, today()).is_ok());
}

#[test]
fn a_role_is_required_for_personal_and_vip_but_not_for_enterprise() {
    for input in [personal(), vip()] {
        let no_role = CustomerInput {
            role: " ".into(),
            ..input
        };
        assert_eq!(errors_of(&no_role, &["role"]), [Some("err-required")]);
    }
    let enterprise = CustomerInput {
        role: "".into(),
        ..enterprise()
    };
    assert_eq!(check(&enterprise, today()).unwrap().role, None);
}

#[test]
fn an_enterprise_has_no_resident_id() {
    let input = CustomerInput {
        id_number: "11010119900307002X".into(),
        ..enterprise()
    };
    assert_eq!(
        errors_of(&input, &["id_number"]),
        [Some("err-id-number-enterprise")]
    );
}

#[test]
fn a_credit_code_and_legal_representative_belong_to_enterprises_only() {
    let input = CustomerInput {
        credit_code: "91350100m000100y43".into(),
        legal_representative: " 李四 ".into(),
        ..enterprise()
    };
    let draft = check(&input, today()).unwrap();
    assert_eq!(draft.credit_code.as_deref(), Some("91350100M000100Y43"));
    assert_eq!(draft.legal_representative.as_deref(), Some("李四"));

    let input = CustomerInput {
        credit_code: "91350100M000100Y43".into(),
        legal_representative: "李四".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&input, &["credit_code", "legal_representative"]),
        [Some("err-enterprise-only"); 2]
    );
}

#[test]
fn later_dates_cannot_come_before_the_first_contact() {
    let input = CustomerInput {
        first_contact_at: "2022-01-10".into(),
        last_interaction_at: "2022-01-09".into(),
        last_verified_at: "2021-12-31".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&input, &["last_interaction_at", "last_verified_at"]),
        [Some("err-date-before-first-contact"); 2]
    );
    let same_day = CustomerInput {
        first_contact_at: "2022-01-10".into(),
        last_interaction_at: "2022-01-10".into(),
        last_verified_at: "".into(),
        ..personal()
    };
    assert!(check(&same_day, today()).is_ok());
}

#[test]
fn no_date_may_be_after_today() {
    let input = CustomerInput {
        first_contact_at: "2026-11-23".into(),
        last_verified_at: "2030-01-01".into(),
        ..personal()
    };
    assert_eq!(
        errors_of(&input, &["first_contact_at", "last_verified_at"]),
        [Some("err-date-future"); 2]
    );
}

#[test]
fn notes_keep_lines_but_not_other_control_characters() {
    let input = CustomerInput {
        notes: "a\u{8}b".into(),
        ..personal()
    };
    assert_eq!(errors_of(&input, &["notes"]), [Some("err-invalid-chars")]);
    let long = CustomerInput {
        notes: "注".repeat(2000),
        ..personal()
    };
    assert!(check(&long, today()).is_ok());
}

#[test]
fn values_that_look_like_spreadsheet_formulas_are_kept_as_typed() {
    let input = CustomerInput {
        name: "=王丽".into(),
        notes: "@前台 -请回电 +1".into(),
        ..personal()
    };
    let draft = check(&input, today()).unwrap();
    assert_eq!(draft.name, "=王丽");
    assert_eq!(draft.notes, "@前台 -请回电 +1");
}

#[test]
fn the_form_deserialises_with_type_as_its_field_name() {
    let form = "name=%E7%8E%8B&type=vip&phone=13800138000";
    let input: CustomerInput = serde_urlencoded::from_str(form).unwrap();
    assert_eq!(input.customer_type, "vip");
    assert_eq!(input.name, "王");
    assert_eq!(input.credit_code, "");
}
