# 客户档案：类型、角色、来源、状态，以及录入检查的提示。
# err-required、err-too-long、err-invalid-chars、err-too-many、err-date-format 在 main.ftl 中。

customer-type-personal = 个人客户
customer-type-enterprise = 企业客户
customer-type-vip = VIP客户

customer-role-owner = 业主
customer-role-tenant = 租户

customer-source-phone = 电话
customer-source-website = 网站
customer-source-walk-in = 上门到访
customer-source-referral = 转介绍
customer-source-app = APP

customer-status-active = 正常
customer-status-pending-activation = 待激活
customer-status-cleanup = 待清理
customer-status-archived = 已归档

err-customer-type-unknown = 客户类型应为个人、企业或 VIP。
err-occupant-role-unknown = 请选择业主或租户。
err-source-unknown = 信息来源应为电话、网站、上门、转介绍或 APP。
err-phone-format = 电话号码格式不正确：手机号为 11 位（如 138 0013 8000），座机需带区号（如 010-12345678，分机写作 010-12345678-123）。
err-email-format = 邮箱格式不正确，例如 zhangsan@163.com。
err-id-number-format = 身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X。
err-id-number-checksum = 身份证号校验位不符，请逐位核对是否录错。
err-id-number-birth-date = 身份证号中的出生日期无效（须为 1900 年以后、不晚于今天的真实日期）。
err-id-number-enterprise = 企业客户不登记居民身份证号；如需登记请填写统一社会信用代码。
err-credit-code-format = 统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。
err-credit-code-checksum = 统一社会信用代码校验位不符，请逐位核对是否录错。
err-enterprise-only = 此项仅适用于企业客户。
err-date-invalid = 没有这一天，请检查年月日。
err-date-future = 日期不能晚于今天。
err-date-before-first-contact = 此日期不能早于首次联系时间。
err-tag-format = 标签层级之间用“/”分隔，每一级都不能为空，例如 风险/欠费。
err-tag-too-long = 每个标签最多 32 个字。
