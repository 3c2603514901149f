err-page-control-characters = 提交的内容含有无法保存的控制字符（如 NUL），请删除后重新提交。
err-page-too-large = 提交的内容过大，请删减后重新提交。
customer-searched-id-number = 按身份证号 { $id } 查找。
mail-link-withheld = 个人链接：仅在发送时生成，不显示、不以明文保存
