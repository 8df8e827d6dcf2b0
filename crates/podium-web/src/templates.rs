//! The HTML templates, baked into the binary. HTML escaping is on for every `.html` template;
//! pre-sanitized fragments (rendered Markdown) are passed in as safe strings.

pub(crate) fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("_card.html", include_str!("../templates/_card.html")),
        (
            "_review_phase.html",
            include_str!("../templates/_review_phase.html"),
        ),
        ("home.html", include_str!("../templates/home.html")),
        (
            "conference.html",
            include_str!("../templates/conference.html"),
        ),
        ("schedule.html", include_str!("../templates/schedule.html")),
        ("talks.html", include_str!("../templates/talks.html")),
        ("talk.html", include_str!("../templates/talk.html")),
        ("speaker.html", include_str!("../templates/speaker.html")),
        ("error.html", include_str!("../templates/error.html")),
        (
            "changelog.html",
            include_str!("../templates/changelog.html"),
        ),
        (
            "account_form.html",
            include_str!("../templates/account_form.html"),
        ),
        ("account.html", include_str!("../templates/account.html")),
        ("agenda.html", include_str!("../templates/agenda.html")),
        (
            "organizer_schedule.html",
            include_str!("../templates/organizer_schedule.html"),
        ),
        (
            "organizer_talk.html",
            include_str!("../templates/organizer_talk.html"),
        ),
        ("api_docs.html", include_str!("../templates/api_docs.html")),
        ("_slides.html", include_str!("../templates/_slides.html")),
        (
            "slides_edit.html",
            include_str!("../templates/slides_edit.html"),
        ),
        (
            "organizer_slides.html",
            include_str!("../templates/organizer_slides.html"),
        ),
        ("live.html", include_str!("../templates/live.html")),
        ("feedback.html", include_str!("../templates/feedback.html")),
        ("_kudos.html", include_str!("../templates/_kudos.html")),
        (
            "organizer_grid.html",
            include_str!("../templates/organizer_grid.html"),
        ),
        (
            "organizer_formats.html",
            include_str!("../templates/organizer_formats.html"),
        ),
        (
            "organizer_sponsors.html",
            include_str!("../templates/organizer_sponsors.html"),
        ),
        (
            "speaker_feedback.html",
            include_str!("../templates/speaker_feedback.html"),
        ),
        (
            "organizer_feedback.html",
            include_str!("../templates/organizer_feedback.html"),
        ),
        (
            "organizer_api.html",
            include_str!("../templates/organizer_api.html"),
        ),
        (
            "organizer_import.html",
            include_str!("../templates/organizer_import.html"),
        ),
        ("notice.html", include_str!("../templates/notice.html")),
        ("cfp.html", include_str!("../templates/cfp.html")),
        (
            "speaker_proposals.html",
            include_str!("../templates/speaker_proposals.html"),
        ),
        (
            "speaker_join.html",
            include_str!("../templates/speaker_join.html"),
        ),
        (
            "proposal_form.html",
            include_str!("../templates/proposal_form.html"),
        ),
        (
            "speaker_profile.html",
            include_str!("../templates/speaker_profile.html"),
        ),
        (
            "proposals.html",
            include_str!("../templates/proposals.html"),
        ),
        ("proposal.html", include_str!("../templates/proposal.html")),
        (
            "password_forgot.html",
            include_str!("../templates/password_forgot.html"),
        ),
        (
            "password_reset.html",
            include_str!("../templates/password_reset.html"),
        ),
        (
            "invitation.html",
            include_str!("../templates/invitation.html"),
        ),
        (
            "organizer_team.html",
            include_str!("../templates/organizer_team.html"),
        ),
        (
            "organizer_outbox.html",
            include_str!("../templates/organizer_outbox.html"),
        ),
        (
            "organizer_mail.html",
            include_str!("../templates/organizer_mail.html"),
        ),
        (
            "review_list.html",
            include_str!("../templates/review_list.html"),
        ),
        (
            "review_proposal.html",
            include_str!("../templates/review_proposal.html"),
        ),
        (
            "organizer_cfp.html",
            include_str!("../templates/organizer_cfp.html"),
        ),
        (
            "organizer_proposals.html",
            include_str!("../templates/organizer_proposals.html"),
        ),
    ] {
        env.add_template(name, source)
            .expect("templates baked into the binary parse");
    }
    env.set_formatter(format_value);
    env
}

/// HTML-escapes `&`, `<`, `>`, `"` and `'` in strings (minijinja's default also escapes `/`,
/// which is not needed in HTML and makes every URL unreadable in the page source).
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let escape = matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && value.kind() == minijinja::value::ValueKind::String;
    if !escape {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.as_str().unwrap_or_default();
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped).map_err(|e| {
        minijinja::Error::new(
            minijinja::ErrorKind::WriteFailure,
            "writing template output",
        )
        .with_source(e)
    })
}

#[cfg(test)]
mod tests {
    /// Every template file on disk is registered (a missing one would only fail at request time).
    #[test]
    fn every_template_file_is_registered() {
        let env = super::environment();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(env.get_template(&name).is_ok(), "{name} is not registered");
        }
    }
}
