"""Interface text in Chinese (default) and English. Modules add their own strings with `register`."""

from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "site_name": "社区需求直通车",
        "form_title": "告诉社区您需要什么",
        "form_intro": "请写下您的需求、问题或建议，社区工作者会看到并回复。",
        "form_text_label": "您的需求",
        "form_text_hint": "例如：小区3号楼楼道灯坏了一周了，晚上老人上下楼很危险。",
        "form_place_label": "所在小区（可选）",
        "form_place_any": "不确定 / 不选择",
        "form_contact_label": "联系方式（可选，仅社区工作者可见）",
        "form_consent_label": "我同意社区保存我的联系方式，用于回复此事",
        "form_submit": "提交",
        "ticket_title": "已收到，谢谢！",
        "ticket_number": "受理编号",
        "ticket_category": "我们理解的类别",
        "ticket_unclassified": "待工作人员分类",
        "ticket_urgent": "如有人身危险，请立即拨打 110 / 119 / 120。我们已通知值班工作人员。",
        "ticket_keep": "请保存受理编号，以便查询进度。",
        "another": "再提一条",
        "error_empty_text": "内容不能为空，请写下您的需求。",
        "error_text_too_long": "内容太长了（最多 {limit} 字），请精简后再提交。",
        "error_bad_encoding": "内容包含无法识别的字符，请检查后重新输入。",
        "error_unknown_place": "找不到这个小区，请从列表中选择。",
        "error_contact_without_consent": "留下联系方式需要先勾选同意。",
        "error_csrf": "页面已过期，请刷新后再提交。",
        "urgent_staff_alert": "【紧急】{ticket}：{text}",
        "ack": "已收到您的需求，受理编号 {ticket}，类别：{category}。",
        "language_switch": "English",
        "privacy_note": "我们只保存处理您的需求所必需的信息。",
        "status_changed": "您的需求 {ticket} 状态更新为：{status}。",
        "rating_prompt": "您的需求 {ticket} 已办结。请为这次服务打分（1–5 分），也可以留下意见。",
        "worker_reply": "社区工作者回复（{ticket}）：{message}",
        "status_received": "已收到",
        "status_accepted": "已受理",
        "status_in_progress": "办理中",
        "status_resolved": "已办结",
        "status_not_actionable": "无法办理",
    },
    "en": {
        "site_name": "Community Needs",
        "form_title": "Tell your community what you need",
        "form_intro": "Write down your need, problem or suggestion. Community workers will read it and reply.",
        "form_text_label": "Your need",
        "form_text_hint": "For example: the stairwell light in building 3 has been out for a week.",
        "form_place_label": "Your compound (optional)",
        "form_place_any": "Not sure / skip",
        "form_contact_label": "Contact (optional, seen only by community workers)",
        "form_consent_label": "I agree that the community keeps my contact details to reply about this",
        "form_submit": "Submit",
        "ticket_title": "Received, thank you!",
        "ticket_number": "Ticket",
        "ticket_category": "Category we understood",
        "ticket_unclassified": "to be classified by a worker",
        "ticket_urgent": "If anyone is in danger, call 110 / 119 / 120 now. The on-duty worker has been alerted.",
        "ticket_keep": "Keep your ticket number to follow up.",
        "another": "Send another",
        "error_empty_text": "The text is empty: please write what you need.",
        "error_text_too_long": "The text is too long (at most {limit} characters): please shorten it.",
        "error_bad_encoding": "The text contains characters that cannot be read: please check and retype it.",
        "error_unknown_place": "Unknown compound: please pick one from the list.",
        "error_contact_without_consent": "Please tick the consent box to leave contact details.",
        "error_csrf": "This page has expired: please reload it and submit again.",
        "urgent_staff_alert": "[URGENT] {ticket}: {text}",
        "ack": "We received your request, ticket {ticket}, category: {category}.",
        "language_switch": "中文",
        "privacy_note": "We keep only what is needed to handle your request.",
        "status_changed": "Your request {ticket} is now: {status}.",
        "rating_prompt": "Your request {ticket} is resolved. Please rate the service from 1 to 5; a comment is welcome.",
        "worker_reply": "Reply from your community worker ({ticket}): {message}",
        "status_received": "received",
        "status_accepted": "accepted",
        "status_in_progress": "in progress",
        "status_resolved": "resolved",
        "status_not_actionable": "not actionable",
    },
}


def register(messages: dict[str, dict[str, str]]) -> None:
    for lang, table in messages.items():
        MESSAGES.setdefault(lang, {}).update(table)


def normalize_language(lang: str | None) -> str:
    lang = (lang or "").lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(lang: str, key: str, **kw) -> str:
    lang = normalize_language(lang)
    text = MESSAGES[lang].get(key) or MESSAGES[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**kw) if kw else text
