"""What the bot says, by name: English messages that core/locale translates (`Turn.tr(name)`).

A name missing here is a KeyError at once, never a key shown to a resident; tests/bot checks that
every name the flows use is here.
"""

from __future__ import annotations

from core.i18n import N_

MESSAGES = {
    "bot_welcome": N_("Hello! This is Community Needs. Just write what you need, a problem or a "
               "suggestion; a photo and a location are welcome.\nCommands: /status my requests · "
               "/survey surveys · /lang 中文 · /privacy what we keep · /delete erase my data · /cancel"),
    "bot_help": N_("Just write what you need. Commands: /status my requests · /survey surveys · /lang "
               "language · /privacy what we keep · /delete erase my data · /cancel stop the current "
               "step"),
    "bot_understood": N_("We understood the category as: {category}. Is that right?"),
    "bot_understood_none": N_("We could not tell the category; please pick the closest one:"),
    "bot_btn_yes": N_("✅ Yes"),
    "bot_btn_other": N_("Another category"),
    "bot_pick_category": N_("Please pick a category:"),
    "bot_category_chosen": N_("Category: {category}"),
    "bot_ask_place": N_("Which compound is this about?"),
    "bot_ask_place_community": N_("First pick the community:"),
    "bot_place_unknown": N_("We could not find that compound: tap a button below, or “Not sure”."),
    "bot_btn_place_skip": N_("Not sure"),
    "bot_place_chosen": N_("Compound: {place}"),
    "bot_place_skipped": N_("Compound: not sure"),
    "bot_ask_consent": N_("May the community keep your phone number to contact you? It is used only for your "
               "requests and /delete erases it at any time. If not, we reply in this chat."),
    "bot_btn_consent_yes": N_("Yes, leave my phone"),
    "bot_btn_consent_no": N_("No"),
    "bot_ask_phone": N_("Please type your phone number:"),
    "bot_btn_skip": N_("Skip"),
    "bot_bad_phone": N_("That does not look like a phone number: please retype it (e.g. 13812345678) or tap "
               "“Skip”."),
    "bot_consent_no": N_("All right, no contact details are kept."),
    "bot_ticket": N_("Ticket {ticket}. Send /status to follow it."),
    "bot_urgent": N_("⚠️ If anyone is in danger, call {numbers} now! The on-duty worker has been alerted."),
    "bot_more_text": N_("Added to your request."),
    "bot_photo_kept": N_("Photo received. Please also describe the problem in words."),
    "bot_location_kept": N_("Location received. Please also describe the problem in words."),
    "bot_attached": N_("Attached to your request."),
    "bot_status_none": N_("You have not sent any request yet. Just write what you need."),
    "bot_status_title": N_("Your requests:"),
    "bot_stale_button": N_("This step is over."),
    "bot_cancelled": N_("Cancelled."),
    "bot_nothing_to_cancel": N_("Nothing to cancel."),
    "bot_lang_set": N_("Language set to English."),
    "bot_privacy": N_("We keep: what you write, photo ids and locations you send, the compound you pick; "
               "your phone if you agree; your Telegram user and chat ids (to reply to you); ratings "
               "and survey answers.\nOnly workers of your community see your contact details. "
               "/delete erases your personal data; requests you sent stay, anonymised, to improve "
               "community services."),
    "bot_delete_confirm": N_("Erase your personal data? Your phone, name and the link to this chat are deleted; "
               "requests you sent stay, anonymised."),
    "bot_btn_delete_yes": N_("Erase"),
    "bot_btn_cancel": N_("Cancel"),
    "bot_deleted": N_("Your personal data is erased. Your requests stay, anonymised. Thank you!"),
    "bot_delete_kept": N_("All right, nothing was erased."),
    "bot_unknown_command": N_("Unknown command. Commands: /status /survey /lang /privacy /delete /cancel /help"),
    "bot_unsupported": N_("I can read text, photos and locations. Please write what you need."),
    "bot_rate_limited": N_("Too many messages: please wait a minute. In an emergency call {numbers}."),
    "bot_rated": N_("You gave {score}, thank you!"),
    "bot_ask_comment": N_("Anything to add? Write a comment, or tap “Skip”."),
    "bot_rating_thanks": N_("Thank you for your rating!"),
    "bot_already_rated": N_("You have rated this request already, thank you!"),
    "bot_not_yours": N_("Request not found."),
    "bot_survey_none": N_("No survey is open right now."),
    "bot_survey_pick": N_("Pick a survey to answer:"),
    "bot_survey_intro": N_("Survey: {title} ({count} questions, /cancel to leave)"),
    "bot_survey_done": N_("Your answers are in. Thank you for taking part!"),
    "bot_survey_already": N_("You have answered this survey already, thank you!"),
    "bot_survey_error": N_("The survey could not be submitted: {reason}"),
    "bot_survey_closed": N_("This survey is closed."),
    "bot_survey_type_answer": N_("Please type your answer."),
    "bot_survey_bad_number": N_("Please type a number."),
    "bot_survey_bad_date": N_("Please type a date like 2026-05-01."),
    "bot_survey_use_buttons": N_("Please tap one of the buttons."),
    "bot_survey_required": N_("This question needs an answer."),
    "bot_survey_other": N_("Other (type it)"),
    "bot_survey_other_prompt": N_("Please type your answer:"),
    "bot_survey_done_btn": N_("Done"),
    "bot_survey_answered": N_("{question}\n→ {answer}"),
    "bot_webchat_title": N_("Chat with your community"),
    "bot_webchat_intro": N_("No Telegram? Talk to your community here."),
    "bot_webchat_placeholder": N_("Write what you need…"),
    "bot_webchat_send": N_("Send"),
    "bot_webchat_you": N_("me"),
    "bot_webchat_bot": N_("community"),
    "ack": N_("We received your request, ticket {ticket}, category: {category}."),
    "ticket_unclassified": N_("to be classified by a worker"),
}
