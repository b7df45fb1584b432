//! The seminar report: one self-contained HTML file that tells what happened to the town under
//! each scenario, for a room to read off a screen.
//!
//! It holds the charts inline as SVG and its style inline; it runs no script and fetches
//! nothing (no fonts, images or styles from anywhere), so it opens the same offline, from an
//! e-mail or a USB stick. Like every other result but `timings.json`, its bytes depend only on
//! the engine version, the scenarios, the seed and the number of replicates.

use super::story;
use crate::compare::{Comparison, EffectRow};
use crate::metrics::{Metric, Scope, headline};
use crate::output::numbers;
use crate::scenario::interventions as iv;
use crate::scenario::{Intervention, Scenario};
use std::fmt::Write;
use std::path::Path;

/// The colours of the charts' lines, in scenario order (Okabe–Ito, as in `charts`).
const SWATCHES: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Escapes text for HTML content and double-quoted attributes (the only kind written here).
/// Control and invisible formatting characters, which scenario checks refuse in names, become
/// U+FFFD (line breaks and tabs are kept).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(c),
            c if crate::scenario::names::unprintable(c) => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// Week `week` of a year as a month, near enough for a reader ("April").
fn month(week: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    MONTHS[((week.saturating_sub(1)) * 12 / crate::scenario::WEEKS_PER_YEAR).min(11) as usize]
}

/// A whole number with thousands separated by commas ("12,000").
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pounds(x: f64) -> String {
    let whole = x.round() as i64;
    format!(
        "{}£{}",
        if whole < 0 { "−" } else { "" },
        grouped(whole.unsigned_abs())
    )
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One event in plain words.
pub fn describe(event: &Intervention) -> String {
    let (year, week) = event.when();
    let when = format!("{} {year}", month(week));
    match event {
        Intervention::Close(iv::Close {
            venue_kind,
            count,
            ward,
            ..
        }) => format!(
            "{when}: {} of the town's {} close{}{}.",
            count,
            venue_kind.label().to_lowercase(),
            if *count == 1 { "s" } else { "" },
            ward.as_deref()
                .map_or(String::new(), |w| format!(" in {w}"))
        ),
        Intervention::Austerity(iv::Austerity {
            years,
            cut_per_year,
            statutory_share_rise_per_year,
            deprivation_weighted,
            ..
        }) => format!(
            "From {when}: {} of the council's budget by {:.1}% a year in real terms{}, while \
             statutory services take {:.1} points more of it each year.",
            plural(*years, "real-terms cut", "yearly real-terms cuts"),
            cut_per_year * 100.0,
            if *deprivation_weighted {
                " (deeper because the town is deprived)"
            } else {
                ""
            },
            statutory_share_rise_per_year * 100.0
        ),
        Intervention::Invest(iv::Invest {
            venue_kind,
            ward,
            count,
            funding_years,
            ..
        }) => format!(
            "{when}: {} opens in {ward}{}.",
            if *count == 1 {
                format!("a new {}", venue_kind.name().replace('_', " "))
            } else {
                format!("{count} new {}", venue_kind.label().to_lowercase())
            },
            if *funding_years > 0 {
                format!(
                    ", its running costs paid from outside the council for {}",
                    plural(*funding_years, "year", "years")
                )
            } else {
                String::new()
            }
        ),
        Intervention::FundGroups(iv::FundGroups {
            gbp_per_year,
            years,
            ..
        }) => format!(
            "From {when}: {} a year in extra grants to community groups for {}.",
            pounds(*gbp_per_year),
            plural(*years, "year", "years")
        ),
        Intervention::Devolution(iv::Devolution {
            big_bang,
            powers,
            openness,
            budget_gbp_per_year,
            participatory_budget_share,
            right_to_bid,
            ..
        }) => {
            let mut parts = Vec::new();
            if let Some(p) = powers {
                parts.push(format!("devolved powers {p:.1}"));
            }
            if let Some(o) = openness {
                parts.push(format!("council openness {o:.1}"));
            }
            if let Some(b) = budget_gbp_per_year {
                parts.push(format!("{} a year devolved", pounds(*b)));
            }
            if let Some(s) = participatory_budget_share {
                parts.push(format!(
                    "residents decide {:.0}% of the discretionary budget",
                    s * 100.0
                ));
            }
            if let Some(r) = right_to_bid {
                parts.push(if *r {
                    "a community right to bid".into()
                } else {
                    "no community right to bid".into()
                });
            }
            let rest = match (*big_bang, parts.is_empty()) {
                (true, true) => "real powers, an open council, £1,000,000 a year devolved, \
                                 participatory budgeting over a tenth of the discretionary budget \
                                 and a community right to bid, all at once"
                    .to_string(),
                (true, false) => "everything else at its big-bang level".to_string(),
                (false, _) => String::new(),
            };
            let list = parts
                .into_iter()
                .chain((!rest.is_empty()).then_some(rest))
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "{when}: {}: {list}.",
                if *big_bang {
                    "a devolution big bang"
                } else {
                    "devolution"
                }
            )
        }
        Intervention::CitizensAssembly(iv::CitizensAssembly {
            members, acted_on, ..
        }) => format!(
            "{when}: a citizens' assembly of {members} residents drawn by lot; the council {} \
             its recommendations.",
            if *acted_on { "acts on" } else { "ignores" }
        ),
        Intervention::Lockdown(iv::Lockdown {
            weeks, venue_kinds, ..
        }) => format!(
            "{when}: {} shut for {}.",
            if venue_kinds.is_empty() {
                "every meeting place is".to_string()
            } else {
                let kinds: Vec<String> = venue_kinds
                    .iter()
                    .map(|k| k.label().to_lowercase())
                    .collect();
                format!("{} are", kinds.join(", "))
            },
            plural(*weeks, "week", "weeks")
        ),
        Intervention::PubCosts(iv::PubCosts { change, .. }) => format!(
            "{when}: pubs' running costs {} by {:.0}%.",
            if *change >= 0.0 { "rise" } else { "fall" },
            change.abs() * 100.0
        ),
        Intervention::JobLoss(iv::JobLoss { count, ward, .. }) => format!(
            "{when}: {} lost at once{}.",
            plural(*count, "job is", "jobs are"),
            ward.as_ref()
                .map(|w| format!(", held by residents of {w}"))
                .unwrap_or_default()
        ),
        Intervention::BenefitChange(iv::BenefitChange { gbp_per_week, .. }) => format!(
            "{when}: out-of-work benefits {} by £{:.2} a week.",
            if *gbp_per_week >= 0.0 { "rise" } else { "fall" },
            gbp_per_week.abs()
        ),
    }
}

/// A difference for the effects table: ×100 for shares and 0–1 means, as counted for venues;
/// with its interval.
fn effect_words(e: &EffectRow) -> String {
    let d = &e.diff;
    let scale = match crate::metrics::metric(e.metric) {
        Some(m) if m.unit != "venues" && m.unit != "years" => 100.0,
        _ => 1.0,
    };
    let fmt = |x: f64| story::signed(x * scale, 1);
    if d.n < 2 || !d.ci_low.is_finite() {
        return fmt(d.mean);
    }
    format!("{} ({} to {})", fmt(d.mean), fmt(d.ci_low), fmt(d.ci_high))
}

/// How a paired difference reads: "clearly higher than", "clearly lower than", or "not clearly
/// different from" (with one replicate, just "compared with").
fn verdict(d: &crate::stats::Estimate) -> &'static str {
    if d.above_zero() {
        "clearly higher than"
    } else if d.below_zero() {
        "clearly lower than"
    } else if d.n >= 2 {
        "not clearly different from"
    } else {
        "compared with"
    }
}

/// The size of a difference in the metric's words, without its sign ("2.5 points of 100").
fn amount(metric: &str, x: f64) -> String {
    match crate::metrics::metric(metric) {
        Some(m) => story::difference(m, x.abs())
            .trim_start_matches('+')
            .to_string(),
        None => format!("{:.3}", x.abs()),
    }
}

/// The sentence under a chart: each scenario's effect at the final year.
fn caption(cmp: &Comparison, metric: &str, label: &str, year: i32) -> String {
    let scenarios = &cmp.plan.scenarios;
    let Some(reference) = scenarios.first() else {
        return String::new();
    };
    let mut parts = Vec::new();
    for (s, scenario) in scenarios.iter().enumerate().skip(1) {
        let Some(e) = cmp.effect(s, metric, year) else {
            continue;
        };
        let d = &e.diff;
        let by = if d.above_zero() || d.below_zero() || d.n < 2 {
            format!(" (by {})", amount(metric, d.mean))
        } else {
            String::new()
        };
        parts.push(format!(
            "under <b>{}</b> it is {} under {}{by}",
            escape(&scenario.name),
            verdict(d),
            escape(&reference.name)
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("{label} over {year}: {}.", parts.join("; "))
}

/// "The story in brief": for each reported year and scenario, its clear effects, largest
/// first, and the headline metrics it leaves unchanged.
fn story(cmp: &Comparison) -> String {
    let scenarios = &cmp.plan.scenarios;
    if scenarios.len() < 2 {
        return String::new();
    }
    let mut out = String::from(
        "<h2>The story in brief</h2>\n<p>Each scenario against the reference, replicate by \
         replicate; only differences whose 95% interval excludes zero count as clear.",
    );
    if cmp.plan.replicates < 2 {
        out.push_str(
            " With one replicate there are no intervals, so nothing counts as clear: run \
             more replicates (<code>--replicates</code>) to tell effects from chance.",
        );
    }
    out.push_str("</p>\n");
    for year in cmp.plan.report_years() {
        out.push_str(&story_of_year(cmp, year));
    }
    out
}

fn story_of_year(cmp: &Comparison, year: i32) -> String {
    let scenarios = &cmp.plan.scenarios;
    let reference = escape(&scenarios[0].name);
    let mut out = format!("<p>Over <b>{year}</b>, compared with <b>{reference}</b>:</p>\n<ul>\n");
    for (s, scenario) in scenarios.iter().enumerate().skip(1) {
        let mut clear = Vec::new();
        let mut unclear = Vec::new();
        for Metric {
            name: metric,
            label,
            scope,
            ..
        } in headline().copied()
        {
            let Some(e) = cmp.effect(s, metric, year) else {
                continue;
            };
            let d = &e.diff;
            if d.above_zero() || d.below_zero() {
                let word = if d.mean > 0.0 { "higher" } else { "lower" };
                // A count (venues) is not on the shares' scale: it goes last.
                let scale = if scope == Scope::Town {
                    0.0
                } else {
                    d.mean.abs()
                };
                clear.push((
                    scale,
                    format!(
                        "{} {word} by {}",
                        label.to_lowercase(),
                        amount(metric, d.mean)
                    ),
                ));
            } else {
                unclear.push(label.to_lowercase());
            }
        }
        // Shares first, largest change first; the venue count last.
        clear.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut sentence = if clear.is_empty() {
            "no clear change in any headline measure".to_string()
        } else {
            clear
                .iter()
                .map(|c| c.1.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !clear.is_empty() && !unclear.is_empty() {
            sentence.push_str(&format!("; no clear change in {}", unclear.join(", ")));
        }
        let _ = writeln!(
            out,
            "<li><b>{}</b>: {}.</li>",
            escape(&scenario.name),
            escape(&sentence)
        );
    }
    out.push_str("</ul>\n");
    out
}

/// The SVG of a chart, ready to sit inside the page.
fn inline_svg(charts_dir: &Path, metric: &str, label: &str) -> std::io::Result<String> {
    let svg = std::fs::read_to_string(charts_dir.join(format!("{metric}.svg")))?;
    let start = svg.find("<svg").unwrap_or(0);
    let svg = &svg[start..];
    // Scale to the page's width, keep the aspect ratio, and name the chart for screen readers.
    Ok(svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMid meet\" ",
            escape(label)
        ),
        1,
    ))
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       color: #1a1a1a; background: #fdfdfb; margin: 0; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 0.2rem 0 0.8rem; }
h2 { font-size: 1.5rem; margin-top: 2.6rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1.2rem; margin: 1.8rem 0 0.4rem; }
h3 small { font-weight: normal; color: #555; font-size: 0.95rem; }
p.lede { font-size: 1.2rem; color: #333; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; color: #666; font-size: 0.85rem; }
.scenario { border-left: 8px solid #999; padding: 0.3rem 0 0.3rem 1rem; margin: 1rem 0; }
.scenario h3 { margin: 0 0 0.3rem; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
.scenario ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
figure { margin: 1.2rem 0 2rem; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid #e4e4e4; background: #fff; }
figcaption { color: #333; margin-top: 0.5rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.45rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.up { color: #006d4f; font-weight: 600; }
td.down { color: #b24400; font-weight: 600; }
td.none { color: #555; }
.note { background: #f3f3ee; padding: 0.8rem 1rem; border-radius: 4px; }
footer { margin-top: 3rem; font-size: 0.9rem; color: #444; border-top: 2px solid #ddd; padding-top: 1rem; }
code, pre { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.9rem; }
pre { background: #f3f3ee; padding: 0.6rem 0.8rem; overflow-x: auto; white-space: pre-wrap; }
";

/// The whole report. `charts_dir` holds the band charts written for `cmp`; `command` is the
/// command line that reproduces the comparison.
pub fn html(cmp: &Comparison, charts_dir: &Path, command: &str) -> std::io::Result<String> {
    let plan = &cmp.plan;
    let scenarios = &plan.scenarios;
    let (first_year, last_year) = plan.years();
    let reference = scenarios.first().map_or("", |s| s.name.as_str());
    let n = plan.replicates;
    let town = scenarios.first().map(|s| s.town.residents).unwrap_or(0);
    let mut h = String::with_capacity(1 << 20);
    let title = if scenarios.len() == 1 {
        format!(
            "What if? One future for a former pit town, {first_year}–{last_year}: {}",
            reference
        )
    } else {
        format!(
            "What if? {} futures for a former pit town, {first_year}–{last_year}",
            scenarios.len()
        )
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&title)
    );
    let design = if scenarios.len() == 1 {
        if n == 1 {
            "The scenario below was run once, from one generated town.".to_string()
        } else {
            format!(
                "The scenario below was run {}, each from a different generated town; the \
                 bands in the charts show how much the town's path owes to that draw.",
                plural(n, "time", "times")
            )
        }
    } else {
        format!(
            "Each scenario below does something different to the town and its council, and \
             each was run {} from the same starting towns, so the differences between them are \
             the policies' doing, not luck.",
            plural(n, "time", "times")
        )
    };
    let _ = write!(
        h,
        "<p class=\"kicker\">cohesion · {}</p>\n<h1>{}</h1>\n<p class=\"lede\">A town that lost \
         its pit is simulated week by week: about {} adults who go to the pub, the library, the \
         welfare hall and the park, meet people they know there, join the brass band or the \
         residents' association, and come to trust — or not — each other and the council. The \
         places where people meet are the town's social infrastructure; when they close, the \
         chances to meet go with them. {design}</p>\n",
        if scenarios.len() == 1 {
            "one scenario"
        } else {
            "a replicated comparison"
        },
        escape(&title),
        grouped(u64::from(town)),
    );

    h.push_str(&story(cmp));
    h.push_str(&contrasts(cmp));

    // The scenarios.
    h.push_str(&scenario_section(cmp));

    // The headline charts.
    if scenarios.len() == 1 {
        let _ = write!(
            h,
            "<h2>Over time</h2>\n<p>The line is the scenario's mean over its {}; {} Dashed \
             vertical lines mark when interventions begin.</p>\n",
            plural(n, "replicate", "replicates"),
            if n >= 2 {
                "the shaded band around it is the 95% confidence interval for that mean, and \
                 shows how much the level varies from one generated town to another."
            } else {
                "with one replicate there is no band."
            }
        );
    } else {
        let _ = write!(
            h,
            "<h2>Over time</h2>\n<p>Each line is a scenario's mean over its {n} \
             replicates; the shaded band around it is the 95% confidence interval for that \
             mean, and shows how much the level varies from one generated town to another. \
             Dashed vertical lines mark when interventions begin. Because replicate <i>r</i> of \
             every scenario starts from the same town, the differences between scenarios are \
             measured more precisely than the overlapping bands suggest: the sentence under each \
             chart, and the table further down, give them with their own intervals.</p>\n"
        );
    }
    for Metric {
        name: metric,
        label,
        meaning,
        ..
    } in headline().copied().filter(|m| m.scope != Scope::Town)
    {
        let _ = write!(
            h,
            "<h3>{} <small>— {}</small></h3>\n<figure>\n{}\n<figcaption>{}</figcaption>\n\
             </figure>\n",
            escape(label),
            escape(meaning),
            inline_svg(charts_dir, metric, label)?,
            caption(cmp, metric, label, last_year)
        );
    }
    // The headline counts of the town (the venues open) under their own heading.
    let mut counts = String::new();
    for m in headline().filter(|m| m.scope == Scope::Town) {
        let _ = write!(
            counts,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            inline_svg(charts_dir, m.name, m.label)?,
            caption(cmp, m.name, m.label, last_year)
        );
    }
    let _ = write!(
        h,
        "<h2>Meeting places</h2>\n<p>How many of the town's venues — pubs, the library, \
         community centres, the welfare hall, parks, sports clubs, chapels — are open. When a \
         council loses money, its discretionary venues close first; pubs close when their \
         takings no longer cover their costs.</p>\n{counts}",
    );
    let _ = write!(
        h,
        "<h2>The town map</h2>\n<p>Where the town's meeting places are, and which of them \
         survived: each ward is shaded by its residents' mean belonging in the first week of \
         {first_year} and over {last_year}; each venue keeps its own slot inside its ward, a \
         filled marker open at that moment, a hollow one with a cross closed. The map shows the \
         first replicate of {}; a start shared by every scenario is drawn once.</p>\n<figure>\n{}\n\
         </figure>\n",
        if scenarios.len() == 1 {
            "the scenario"
        } else {
            "each scenario"
        },
        inline_svg(charts_dir, "map", "The town map")?
    );

    // The effects table.
    h.push_str(&effects_table(cmp, reference));

    // The survey's precision.
    h.push_str(&survey_section());

    // How to read it.
    let _ = write!(
        h,
        "<h2>How to read this</h2>\n<div class=\"note\">\n<p>This is a model, not a \
         forecast. It asks what follows if its mechanisms — drawn from the research on social \
         capital, social infrastructure and political efficacy, and set out in the model's ODD \
         description (<code>docs/ODD.md</code>) — are roughly right. Its first year is \
         calibrated to survey figures for coalfield England (the Community Life Survey and \
         ONS); what happens after is the mechanisms' doing.</p>\n"
    );
    if scenarios.len() >= 2 {
        let _ = write!(
            h,
            "<p>Replicate <i>r</i> of every scenario starts from the same generated town and \
             draws the same random numbers until its policies make it differ (common random \
             numbers), so each effect is the mean of {n} paired differences, with a 95% \
             Student-t interval. An interval that includes zero means the {n} replicates cannot \
             tell the two scenarios apart at that point; more replicates narrow it. {kind}</p>\n<p>All \
             data behind this page is beside it: <code>summary.csv</code> (means and intervals \
             by week), <code>effects.csv</code> (every difference above, against {ref_} and in \
             each comparison asked for; its <code>interval</code> column says what the interval \
             accounts for), every run's series in <code>runs.csv</code> and \
             <code>wards.csv</code>, and every opening, closure, transfer and intervention in \
             <code>events.csv</code>.</p>\n</div>\n",
            ref_ = escape(reference),
            kind = interval_sentence(plan)
        );
    } else {
        let _ = write!(
            h,
            "<p>With one scenario there is nothing to set it against: the report gives its \
             levels, with {}, and what happened to its venues and council. To ask \"what \
             if?\", run it beside another scenario.</p>\n<p>All data behind this page is \
             beside it: <code>summary.csv</code> (means and intervals by week), every run's \
             series in <code>runs.csv</code> and <code>wards.csv</code>, and every opening, \
             closure, transfer and intervention in <code>events.csv</code>.</p>\n</div>\n",
            if n >= 2 {
                "95% intervals for the mean over its replicates"
            } else {
                "no intervals, as it was run once"
            }
        );
    }

    // The footer.
    let _ = write!(
        h,
        "<footer>\n<p>Reproduce these results (the same data and charts, on any number of \
         threads):</p>\n<pre>{}</pre>\n<p>cohesion {} · master seed {} · {} per scenario · \
         replicate <i>r</i> of every scenario uses the random streams keyed by (seed, \
         <i>r</i>).</p>\n<p>Scenarios (SHA-256 of the fully resolved TOML, in \
         <code>scenarios/</code>):</p>\n<ul>\n",
        escape(command),
        crate::ENGINE_VERSION,
        plan.seed,
        plural(n, "replicate", "replicates"),
    );
    for s in scenarios {
        let _ = writeln!(
            h,
            "<li><code>{}</code>: <code>{}</code></li>",
            escape(&s.name),
            s.hash()
        );
    }
    h.push_str("</ul>\n</footer>\n</main>\n</body>\n</html>\n");
    Ok(h)
}

/// What the effects' intervals account for, in a sentence for "How to read this".
fn interval_sentence(plan: &crate::compare::ComparePlan) -> String {
    match &plan.posterior {
        None => "These intervals reflect chance alone: every replicate runs the model's \
                 parameters as the scenario gives them, so they say nothing about how uncertain \
                 those parameters are (run with <code>--posterior</code> for that)."
            .to_string(),
        Some(p) => {
            let fitted = if p.built_in {
                " (built in: fitted by <code>cohesion calibrate</code> to the Community Life \
                 Survey's and British Social Attitudes' series; docs/calibration.md)"
            } else {
                ""
            };
            format!(
                "Each replicate also drew its values of {} parameters from the posterior \
                 <code>{}</code>{fitted}, the same draw for every scenario, so the pairs stay \
                 paired: these intervals include the uncertainty in those parameters as well as \
                 chance.",
                p.names.len(),
                escape(&p.path)
            )
        }
    }
}

/// "What each scenario does, and what came of it": a block per scenario.
fn scenario_section(cmp: &Comparison) -> String {
    let scenarios = &cmp.plan.scenarios;
    let base = story::base();
    let mut out = String::from(if scenarios.len() == 1 {
        "<h2>What the scenario does, and what came of it</h2>\n"
    } else {
        "<h2>What each scenario does, and what came of it</h2>\n"
    });
    let last = cmp.plan.years().1;
    let reference_counts = story::mechanisms(cmp, 0);
    for (i, s) in scenarios.iter().enumerate() {
        let colour = SWATCHES[i % SWATCHES.len()];
        let _ = write!(
            out,
            "<div class=\"scenario\" style=\"border-left-color: {colour}\">\n<h3>{}{}</h3>\n\
             <p>{}</p>\n<p><b>What it does.</b> Its interventions:</p>\n",
            escape(&s.name),
            if i == 0 && scenarios.len() > 1 {
                " <small>(the reference)</small>"
            } else {
                ""
            },
            escape(s.description.trim())
        );
        out.push_str(&event_list(s));
        out.push_str(&parameter_list(s, &base));
        out.push_str(&what_happened(cmp, i, last));
        let mine = story::mechanisms(cmp, i);
        let reference = (i > 0).then(|| (scenarios[0].name.as_str(), &reference_counts));
        out.push_str("<p><b>What drove it</b>, counted from <code>events.csv</code>:</p>\n<ul>\n");
        for line in story::mechanism_sentences(&mine, reference) {
            let _ = writeln!(out, "<li>{}</li>", escape(&line));
        }
        out.push_str("</ul>\n</div>\n");
    }
    out
}

/// The parameters a scenario sets differently from the baseline's values, by dotted key.
fn parameter_list(s: &Scenario, base: &Scenario) -> String {
    let changes = story::changed_parameters(s, base);
    if changes.is_empty() {
        return "<p>Its parameters: every one has the baseline's value.</p>\n".into();
    }
    let mut out = format!(
        "<p>Its parameters: {} set differently from the baseline's values (<code>cohesion \
         params</code> says what each means):</p>\n<ul>\n",
        if changes.len() == 1 {
            "one is".to_string()
        } else {
            format!("{} are", changes.len())
        }
    );
    for c in &changes {
        let _ = writeln!(
            out,
            "<li><code>{}</code>: {} → {}</li>",
            escape(&c.key),
            escape(&c.from),
            escape(&c.to)
        );
    }
    out.push_str("</ul>\n");
    out
}

/// What happened to scenario `s` over the final year: its levels (the reference, or a scenario
/// on its own), or its paired differences from the reference, metric by metric.
fn what_happened(cmp: &Comparison, s: usize, year: i32) -> String {
    let scenarios = &cmp.plan.scenarios;
    let index = cmp.year_index(year);
    let mut out = String::new();
    if s == 0 {
        let _ = writeln!(
            out,
            "<p><b>What happened.</b> Over {year}, the mean of its {}:</p>\n<ul>",
            plural(cmp.plan.replicates, "run", "runs")
        );
        for m in headline() {
            let values: Vec<f64> = cmp.runs_of(0).map(|r| r.year_mean(m.name, index)).collect();
            let e = crate::stats::Estimate::of(&values);
            let interval = if e.n >= 2 && e.ci_low.is_finite() {
                format!(
                    " (95% interval {})",
                    story::level_range(m, e.ci_low, e.ci_high)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "<li>{}: {}{interval}.</li>",
                escape(m.label),
                escape(&story::level(m, e.mean))
            );
        }
        out.push_str("</ul>\n");
        return out;
    }
    let _ = writeln!(
        out,
        "<p><b>What happened.</b> Over {year}, against <b>{}</b>, replicate by replicate:</p>\n<ul>",
        escape(&scenarios[0].name)
    );
    for m in headline() {
        let Some(e) = cmp.effect(s, m.name, year) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<li>{}: {} — {}.</li>",
            escape(m.label),
            escape(&story::effect(m, &e.diff)),
            story::clarity(&e.diff)
        );
    }
    out.push_str("</ul>\n");
    out.push_str(&survey_sentences(cmp, s, 0, year));
    out
}

/// The shares the survey measures, `a` against `b` over `year`, each beside the survey's
/// precision.
fn survey_sentences(cmp: &Comparison, a: usize, b: usize, year: i32) -> String {
    let index = cmp.year_index(year);
    let mut out = format!("<p>Over {year}, in the survey's own terms:</p>\n<ul>\n");
    for m in story::SURVEY_MEASURES {
        let d = cmp.paired(a, b, |r| r.year_mean(m.metric, index));
        let _ = writeln!(out, "<li>{}</li>", escape(&story::against_survey(&m, &d)));
    }
    out.push_str("</ul>\n");
    out
}

/// The comparisons asked for (`--contrast A:B`), in sentences.
fn contrasts(cmp: &Comparison) -> String {
    let plan = &cmp.plan;
    if plan.contrasts.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h2>The comparisons asked for</h2>\n<p>Each is one scenario against another, paired \
         replicate by replicate as the effects against the reference are.</p>\n",
    );
    for &(a, b) in &plan.contrasts {
        let (name_a, name_b) = (&plan.scenarios[a].name, &plan.scenarios[b].name);
        let _ = writeln!(
            out,
            "<h3>{} against {}</h3>",
            escape(name_a),
            escape(name_b)
        );
        for year in plan.report_years() {
            let mut clear = Vec::new();
            let mut unclear = Vec::new();
            for m in headline() {
                let Some(e) = cmp.contrast(a, b, m.name, year) else {
                    continue;
                };
                let text = format!("{} {}", m.label.to_lowercase(), story::effect(m, &e.diff));
                if e.diff.above_zero() || e.diff.below_zero() {
                    clear.push(text);
                } else {
                    unclear.push(text);
                }
            }
            let mut sentence = format!("Over {year}, under {name_a} rather than {name_b}: ");
            if clear.is_empty() {
                sentence.push_str("no headline measure differs clearly");
            } else {
                sentence.push_str(&clear.join("; "));
            }
            if !unclear.is_empty() {
                sentence.push_str(&format!(
                    "{}{}",
                    if clear.is_empty() {
                        " ("
                    } else {
                        "; not clear of zero: "
                    },
                    unclear.join("; ")
                ));
                if clear.is_empty() {
                    sentence.push(')');
                }
            }
            sentence.push('.');
            let _ = writeln!(out, "<p>{}</p>", escape(&sentence));
        }
        let (ma, mb) = (story::mechanisms(cmp, a), story::mechanisms(cmp, b));
        out.push_str(&survey_sentences(cmp, a, b, plan.years().1));
        let _ = writeln!(
            out,
            "<p>What drove the difference, counted from <code>events.csv</code> for {}:</p>\n<ul>",
            escape(name_a)
        );
        for line in story::mechanism_sentences(&ma, Some((name_b, &mb))) {
            let _ = writeln!(out, "<li>{}</li>", escape(&line));
        }
        out.push_str("</ul>\n");
    }
    out
}

/// How precise the survey is, measure by measure, from `data/targets/cls_england.csv`.
fn survey_section() -> String {
    let mut out = format!(
        "<h2>How precise is the survey?</h2>\n<p>The model's shares are read against the \
         Community Life Survey (England). Its precision, where <code>data/targets/{}</code> \
         gives a sample size or standard error, is the half-width of a 95% interval, \
         1.96·√(p(1−p)/n), for one year's figure; a difference between two independent samples \
         of that size is √2 times as uncertain. Where the file gives neither, none is \
         stated.</p>\n<table>\n<thead><tr><th>survey measure</th><th>model metric</th>\
         <th>latest figure</th><th>sample</th><th>±95%, one year</th><th>±95%, a \
         difference</th></tr></thead>\n<tbody>\n",
        story::SURVEY_FILE
    );
    for m in story::SURVEY_MEASURES {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td>",
            m.measure, m.metric
        );
        match story::precision(m.measure) {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "<td>{:.0}% ({}, line {})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    p.value * 100.0,
                    escape(&p.period),
                    p.line,
                    p.n.map_or("not given".into(), numbers::thousands),
                    p.margin.map_or("not given".into(), |x| format!(
                        "{} points",
                        story::plain(x, 1)
                    )),
                    p.margin_of_difference()
                        .map_or("not given".into(), |x| format!(
                            "{} points",
                            story::plain(x, 1)
                        )),
                );
            }
            None => out.push_str("<td colspan=\"4\">no row</td></tr>\n"),
        }
    }
    out.push_str(
        "</tbody>\n</table>\n<p>The survey publishes its percentages rounded to whole numbers \
         (<code>data/targets/README.md</code>), so every figure also carries ±0.5 points of \
         rounding.</p>\n",
    );
    out
}

/// The scenario's events as a list, or a line saying there are none.
fn event_list(s: &Scenario) -> String {
    if s.events.is_empty() {
        return "<ul><li>No intervention: the town as it would go on anyway.</li></ul>\n".into();
    }
    let mut out = String::from("<ul>\n");
    for e in &s.events {
        let _ = writeln!(out, "<li>{}</li>", escape(&describe(e)));
    }
    out.push_str("</ul>\n");
    out
}

/// The table of effects at every reported year: rows are headline metrics, columns scenarios.
fn effects_table(cmp: &Comparison, reference: &str) -> String {
    let scenarios = &cmp.plan.scenarios;
    let mut out = String::new();
    if scenarios.len() < 2 {
        return out;
    }
    for year in cmp.plan.report_years() {
        let _ = write!(
            out,
            "<h2>Effects in {year}</h2>\n<p>Each cell is the scenario's mean minus \
             {}'s over {year}, with the 95% interval of the paired difference, in points of 100 \
             for the 0–1 means, percentage points for the shares and venues for venues \
             (<code>effects.csv</code> holds the same differences on the 0–1 scale). Coloured \
             cells are clear of zero.</p>\n<table>\n<thead><tr><th>metric</th>",
            escape(reference)
        );
        for s in scenarios.iter().skip(1) {
            let _ = write!(out, "<th>{}</th>", escape(&s.name));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for Metric {
            name: metric,
            label,
            ..
        } in headline().copied()
        {
            let _ = write!(out, "<tr><td>{}</td>", escape(label));
            for s in 1..scenarios.len() {
                match cmp.effect(s, metric, year) {
                    Some(e) => {
                        let class = if e.diff.above_zero() {
                            "up"
                        } else if e.diff.below_zero() {
                            "down"
                        } else {
                            "none"
                        };
                        let _ = write!(
                            out,
                            "<td class=\"{class}\">{}</td>",
                            escape(&effect_words(e))
                        );
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;'"
        );
        assert_eq!(escape("a\u{1b}[2J\nb"), "a\u{FFFD}[2J\nb");
    }

    #[test]
    fn money_and_months_read_naturally() {
        assert_eq!(pounds(60000.0), "£60,000");
        assert_eq!(pounds(1_000_000.0), "£1,000,000");
        assert_eq!(pounds(999.0), "£999");
        assert_eq!(month(1), "January");
        assert_eq!(month(14), "April");
        assert_eq!(month(52), "December");
    }

    #[test]
    fn every_builtin_event_is_described() {
        for b in crate::scenario::BUILTINS {
            let s = Scenario::load(b.name).unwrap();
            for e in &s.events {
                let text = describe(e);
                let (year, _) = e.when();
                assert!(text.contains(&year.to_string()), "{text}");
                assert!(text.ends_with('.'), "{text}");
            }
        }
    }
}
