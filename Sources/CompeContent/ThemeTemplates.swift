/// The names of the theme's templates: what `Content/templates/<name>.mustache` may override.
/// The content loader checks overrides against it (and the services load content with it), so
/// it lives here, below the site that renders them.
public enum ThemeTemplates {
    public static let names = ["layout", "page", "home", "contests", "contest_cards", "contest", "entry_form", "entry_fields",
                                       "404", "backlog", "iteration", "results", "stats", "data", "sharing", "entry", "problems", "notice",
                                       "mail_receipt", "mail_changed", "mail_withdrawn", "mail_recover", "mail_update", "mail_results", "recover_form", "continue",
                                       "mail_confirm", "confirm_address",
                                       "mail_shortlisted", "mail_not_shortlisted", "shortlist", "mail_stage_receipt", "question_form",
                                       "answer", "questions", "mail_answer", "mail_question_answered"]
}
