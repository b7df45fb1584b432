//! Step 8, council response and the two efficacies.
//!
//! Rule: a resident who took part this week sees the council act on their input with chance
//! `responsiveness` (openness × capacity × (0.5 + 0.5·devolved powers)). If it acts, external
//! efficacy and council trust rise towards 1; if not, they fall. Internal efficacy rises slowly,
//! and only through taking part — the pattern of the Lisbon citizens' assembly evidence, where
//! participants' external efficacy and trust rose but internal efficacy barely moved.
//! Everyone's attitudes relax slowly towards their own anchors; a council that has lost
//! capacity lowers the anchors of council trust and external efficacy. Members of a citizens'
//! assembly sitting this week see the council act, or not, as the assembly event says. Each council closure in a
//! resident's ward this week lowers their council trust, more where deprivation is high.

use super::components::*;
use crate::rng::{Purpose, RngExt};
use crate::scenario::Owner;
use bevy_ecs::prelude::*;

#[allow(clippy::too_many_arguments)]
pub fn council_response(
    mut residents: Query<(&Resident, &Civic, &mut Attitudes)>,
    council: Res<CouncilState>,
    closures: Res<Closures>,
    wards: Res<Wards>,
    config: Res<Config>,
    clock: Res<Clock>,
    seeds: Res<RunSeeds>,
) {
    let c = &config.0.council;
    let mut closed_here = vec![0u32; wards.names.len()];
    if !clock.warming_up() {
        let now = clock.tick();
        for r in closures.list.iter().rev().take_while(|r| r.tick == now) {
            if r.owner == Owner::Council {
                closed_here[r.ward as usize] += 1;
            }
        }
    }
    let responsiveness = council.responsiveness;
    let assembly = council.assembly.filter(|&(when, _)| when == clock.now());
    let shift = (c.capacity_anchor_weight * (1.0 - council.capacity)) as f32;
    let relax = c.attitude_relaxation_per_week as f32;
    let (gain_e, loss_e, gain_i) = (
        c.efficacy_gain_when_acted as f32,
        c.efficacy_loss_when_ignored as f32,
        c.internal_efficacy_gain as f32,
    );
    let (gain_t, loss_closure) = (
        c.council_trust_gain_when_acted as f32,
        c.council_trust_loss_per_closure as f32,
    );
    let (step, seeds) = (clock.step, seeds.0);

    residents.par_iter_mut().for_each(|(me, civic, mut a)| {
        if civic.participated {
            let mut rng = seeds.tick_stream(Purpose::CouncilResponse, u64::from(me.id), step);
            let acted = match assembly {
                // An assembly's recommendations are acted on, or not, as a whole.
                Some((when, acted_on)) if when == civic.assembly_step => acted_on,
                _ => rng.random::<f64>() < responsiveness,
            };
            if acted {
                a.efficacy_external += gain_e * (1.0 - a.efficacy_external);
                a.council_trust += gain_t * (1.0 - a.council_trust);
            } else {
                a.efficacy_external -= loss_e * a.efficacy_external;
                a.council_trust -= 0.5 * gain_t * a.council_trust;
            }
            a.efficacy_internal += gain_i * (1.0 - a.efficacy_internal);
        }
        let ct_anchor = (a.council_trust_anchor - shift).max(0.0);
        let ee_anchor = (a.efficacy_external_anchor - shift).max(0.0);
        a.council_trust += relax * (ct_anchor - a.council_trust);
        a.efficacy_external += relax * (ee_anchor - a.efficacy_external);
        a.efficacy_internal += relax * (a.efficacy_internal_anchor - a.efficacy_internal);
        let closures = closed_here[me.ward as usize];
        for _ in 0..closures {
            a.council_trust -= loss_closure * (1.0 + me.deprivation) * a.council_trust;
        }
        a.council_trust = a.council_trust.clamp(0.0, 1.0);
        a.efficacy_external = a.efficacy_external.clamp(0.0, 1.0);
        a.efficacy_internal = a.efficacy_internal.clamp(0.0, 1.0);
    });
}
