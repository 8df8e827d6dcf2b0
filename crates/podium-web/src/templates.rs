//! The HTML templates, baked into the binary. HTML escaping is on for every `.html` template;
//! pre-sanitized fragments (rendered Markdown) are passed in as safe strings.

pub(crate) fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("_card.html", include_str!("../templates/_card.html")),
        ("home.html", include_str!("../templates/home.html")),
        ("conference.html", include_str!("../templates/conference.html")),
        ("schedule.html", include_str!("../templates/schedule.html")),
        ("talks.html", include_str!("../templates/talks.html")),
        ("talk.html", include_str!("../templates/talk.html")),
        ("speaker.html", include_str!("../templates/speaker.html")),
        ("error.html", include_str!("../templates/error.html")),
    ] {
        env.add_template(name, source).expect("templates baked into the binary parse");
    }
    env
}
