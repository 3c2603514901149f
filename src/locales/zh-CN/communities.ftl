customer-community-choose = 请选择小区
err-community-not-yours = 请从列表中选择你所辖的小区。
err-community-assigned = 该小区已属于某个管理处。
office-unassigned = 尚未分配管理处的小区
office-unassigned-hint = 这些小区由导入带入，尚未分配给任何管理处。分配之前，各管理处的专员既看不到其中的档案，也不能选择这些小区；只有不限管理处的主任可以。
office-choose = 请选择管理处
office-assign = 分配
flash-community-assigned = 小区 { $community } 已分配给 { $office }。
