"""Staff roles, held as Django groups so the IT centre manages them in the admin."""

GUIDE = "guide"  # 导办 at the guide desk
CLERK = "clerk"  # 业务 at a window
ANALYST = "analyst"  # 数据分析: aggregates only
HALL_ADMIN = "hall_admin"  # 大厅管理
LEGAL = "legal"  # 法制科
KIOSK = "kiosk"  # 自助取号机 (a device account)
OFFICE = "office"  # 后台: department staff working the back-office tasks
IT = "it"  # 信息中心: the data ferry, its back ends and its audit chain
# 三员分立 (MLPS level 3): the security administrator grants roles and sets security policy; the audit administrator
# reads the audit records (who looked at whom, sign-ins, changes) and nothing else. Neither is a hall administrator.
SECURITY_ADMIN = "security_admin"  # 安全管理员
AUDITOR = "auditor"  # 审计管理员

LABELS = {
    GUIDE: "导办人员",
    CLERK: "窗口人员",
    ANALYST: "数据分析",
    HALL_ADMIN: "大厅管理",
    LEGAL: "法制审核",
    KIOSK: "自助取号机",
    OFFICE: "后台审批",
    IT: "信息中心",
    SECURITY_ADMIN: "安全管理员",
    AUDITOR: "审计管理员",
}
ALL = tuple(LABELS)
# The roles whose work is in the admin (三员分立: each of the three sees its own part there).
ADMIN_ROLES = (HALL_ADMIN, SECURITY_ADMIN, AUDITOR)
