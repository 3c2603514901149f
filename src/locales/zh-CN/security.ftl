err-page-control-characters = 提交的内容含有无法保存的控制字符（如 NUL），请删除后重新提交。
err-page-too-large = 提交的内容过大，请删减后重新提交。
customer-searched-id-number = 按身份证号 { $id } 查找。
