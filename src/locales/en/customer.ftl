# Customer records: types, roles, sources, statuses, and the messages of the entry checks.
# err-required, err-too-long, err-invalid-chars, err-too-many and err-date-format are in main.ftl.

customer-type-personal = Personal
customer-type-enterprise = Enterprise
customer-type-vip = VIP

customer-role-owner = Owner
customer-role-tenant = Tenant

customer-source-phone = Phone
customer-source-website = Website
customer-source-walk-in = Walk-in
customer-source-referral = Referral
customer-source-app = App

customer-status-active = Active
customer-status-pending-activation = Pending activation
customer-status-cleanup = Cleanup list
customer-status-archived = Archived

err-customer-type-unknown = The customer type is personal, enterprise or VIP.
err-occupant-role-unknown = Choose owner or tenant.
err-source-unknown = The source is phone, website, walk-in, referral or app.
err-phone-format = Not a phone number: a mobile has 11 digits (e.g. 138 0013 8000); a landline needs its area code (e.g. 010-12345678, extension as 010-12345678-123).
err-email-format = Not an email address, e.g. zhangsan@163.com.
err-id-number-format = A resident ID has 18 characters: 17 digits, then a digit or X.
err-id-number-checksum = The ID number's check character does not match; check it digit by digit for a typo.
err-id-number-birth-date = The birth date in the ID number is not a real date from 1900 to today.
err-id-number-enterprise = Enterprise customers have no resident ID; enter the unified social credit code instead.
err-credit-code-format = A unified social credit code has 18 digits or capital letters (no I, O, S, V or Z).
err-credit-code-checksum = The credit code's check character does not match; check it character by character for a typo.
err-enterprise-only = Only enterprise customers have this.
err-date-invalid = There is no such day; check the year, month and day.
err-date-future = The date cannot be later than today.
err-date-before-first-contact = This date cannot be earlier than the first contact.
err-tag-format = Tag levels are separated by "/" and none may be empty, e.g. Risk/Arrears.
err-tag-too-long = A tag has at most 32 characters.
