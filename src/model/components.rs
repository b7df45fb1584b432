//! The state of the world: components (plain data on residents, venues and groups) and the
//! resources every mechanism shares. Nothing here has behaviour beyond small accessors.

use crate::rng::Seeds;
use crate::scenario::{Owner, Scenario, VenueKind};
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

/// Most ties any resident can hold (the scenario's `max_ties` is at most this).
pub const MAX_TIES: usize = 16;
/// Most outings in a week (the scenario's `outings.max_per_week` is at most this).
pub const MAX_OUTINGS: usize = 14;
/// Most identity features (Axelrod's F).
pub const MAX_FEATURES: usize = 16;
/// Most groups one resident belongs to.
pub const MAX_MEMBERSHIPS: usize = 4;
/// Most venues in a resident's choice set: every kind × `outings.nearest_per_kind` (≤ 8).
pub const MAX_CHOICES: usize = 7 * 8;
/// Venues where a resident has recently met friends.
pub const HAUNTS: usize = 4;
/// Weeks of recent history kept for "in the last four weeks" measures.
pub const RECENT_WEEKS: usize = 4;
/// A tick long before any run starts: "never".
pub const NEVER: i32 = -100_000;

// ---------------------------------------------------------------- residents

/// Employment status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Employment {
    Employed,
    Unemployed,
    Retired,
    Student,
}

/// Who a resident is and where they live. `id` is ours and never reused; `slot` is the
/// resident's place in the town's dense index, taken over by a newcomer when they leave.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Resident {
    pub id: u32,
    pub slot: u32,
    pub ward: u16,
    pub home_km: [f32; 2],
    pub age_years: f32,
    pub employment: Employment,
    pub former_miner: bool,
    /// The deprivation of the resident's ward, in [0,1].
    pub deprivation: f32,
}

/// Traits that shape whom a resident gets on with, and how often they go out.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Identity {
    /// Axelrod-style cultural traits; only the first `identity_features` are used.
    pub traits: [u8; MAX_FEATURES],
    /// Mean outings per week.
    pub sociability: f32,
    /// e^−sociability, where the weekly Poisson draw of outings stops; kept beside
    /// `sociability` (set both together) because computing it every week was a twentieth of a
    /// tick (measured).
    pub poisson_limit: f64,
    /// Chance of treating someone well in an encounter.
    pub trustworthiness: f32,
    /// Log-attractiveness of each venue kind to this resident (in `VenueKind::ALL` order).
    pub preference: [f32; 7],
}

/// Generalised trust as Beta pseudo-counts: a fixed disposition (prior) plus experience that
/// fades week by week (Klein & Marx, Generalized Trust in the Mirror).
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct TrustState {
    pub prior_good: f32,
    pub prior_bad: f32,
    pub good: f32,
    pub bad: f32,
}

impl TrustState {
    /// Mean of the Beta distribution: the resident's generalised trust in [0,1].
    pub fn mean(&self) -> f32 {
        let a = self.prior_good + self.good;
        let b = self.prior_bad + self.bad;
        a / (a + b)
    }
}

/// Attitudes to place and council, each in [0,1], with the personal anchors they relax to.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Attitudes {
    pub belonging: f32,
    pub council_trust: f32,
    pub efficacy_internal: f32,
    pub efficacy_external: f32,
    pub council_trust_anchor: f32,
    pub efficacy_external_anchor: f32,
    pub efficacy_internal_anchor: f32,
}

impl Attitudes {
    /// Agency: the mean of internal and external efficacy.
    pub fn agency(&self) -> f32 {
        0.5 * (self.efficacy_internal + self.efficacy_external)
    }
}

/// One social tie, to a resident named by slot and id (the id detects a partner who left).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tie {
    pub slot: u32,
    pub id: u32,
    pub strength: f32,
}

/// A resident's ties, strongest kept when full.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Ties {
    pub list: [Tie; MAX_TIES],
    pub len: u8,
}

impl Default for Ties {
    fn default() -> Self {
        Ties {
            list: [Tie::default(); MAX_TIES],
            len: 0,
        }
    }
}

impl Ties {
    pub fn as_slice(&self) -> &[Tie] {
        &self.list[..self.len as usize]
    }

    #[inline]
    pub fn position(&self, id: u32) -> Option<usize> {
        self.as_slice().iter().position(|t| t.id == id)
    }

    /// Adds a tie, or replaces the weakest when full and the new one is stronger.
    /// Returns whether the tie was kept.
    pub fn add(&mut self, tie: Tie, cap: usize) -> bool {
        if self.position(tie.id).is_some() {
            return false;
        }
        let len = self.len as usize;
        if len < cap.min(MAX_TIES) {
            self.list[len] = tie;
            self.len += 1;
            return true;
        }
        let Some((weakest, w)) = self.as_slice().iter().enumerate().min_by(|a, b| {
            a.1.strength
                .total_cmp(&b.1.strength)
                .then(a.1.id.cmp(&b.1.id))
        }) else {
            return false;
        };
        if w.strength < tie.strength {
            self.list[weakest] = tie;
            true
        } else {
            false
        }
    }

    /// Removes the tie at `i`, keeping the order of the rest.
    pub fn remove(&mut self, i: usize) {
        let len = self.len as usize;
        self.list.copy_within(i + 1..len, i);
        self.len -= 1;
    }
}

/// This week's outings: venue ids in the order chosen.
#[derive(Component, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outings {
    pub venues: [u16; MAX_OUTINGS],
    pub len: u8,
}

impl Outings {
    pub fn as_slice(&self) -> &[u16] {
        &self.venues[..self.len as usize]
    }
}

/// The venues a resident considers, with the part of each venue's weight that does not change
/// from week to week (kind preference, cost, distance). Rebuilt when venues open or close.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct ChoiceSet {
    #[serde(with = "serde_big_array::BigArray")]
    pub venue: [u16; MAX_CHOICES],
    #[serde(with = "serde_big_array::BigArray")]
    pub weight: [f32; MAX_CHOICES],
    pub len: u8,
    /// The [`Layout`] version this set was last checked against.
    pub layout: u32,
    /// Whether the resident was out of work when the weights were computed (the weights' money
    /// pressure depends on it).
    pub out_of_work: bool,
    /// The set's pull of each venue kind (Σ weight × venue pull over the kind's choices) the
    /// first week the set had any pull at all: what the places within reach offered when the
    /// resident was first counted. All 0 until then.
    pub first_pull: [f32; KINDS],
    /// The last pulls by kind that differed from `first_pull`, and what they give: the Poisson
    /// limit of the week's outings, e^−(sociability × reach), and each kind's factor on its
    /// choices' weights (see outings.rs). Kept while the places within reach stay as they are,
    /// since they cost a power per kind and an exponential per resident.
    pub reach_pull: [f32; KINDS],
    pub reach_limit: f64,
    pub reach_scale: [f32; KINDS],
}

/// Venue kinds, for arrays indexed by [`VenueKind::index`].
pub const KINDS: usize = VenueKind::ALL.len();

impl Default for ChoiceSet {
    fn default() -> Self {
        ChoiceSet {
            venue: [0; MAX_CHOICES],
            weight: [0.0; MAX_CHOICES],
            len: 0,
            layout: u32::MAX,
            out_of_work: false,
            first_pull: [0.0; KINDS],
            reach_pull: [0.0; KINDS],
            reach_limit: 1.0,
            reach_scale: [1.0; KINDS],
        }
    }
}

/// Venues where the resident met friends recently, with a fading score.
#[derive(Component, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Haunts {
    pub venue: [u16; HAUNTS],
    pub score: [f32; HAUNTS],
}

impl Haunts {
    pub fn score_of(&self, venue: u16) -> f32 {
        (0..HAUNTS)
            .find(|&i| self.venue[i] == venue && self.score[i] > 0.0)
            .map_or(0.0, |i| self.score[i])
    }
}

/// Counts for the last four weeks, indexed by tick modulo 4.
#[derive(Component, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Recent {
    /// Encounters of any kind.
    pub encounters: [u16; RECENT_WEEKS],
    /// Distinct ties living in the same ward met.
    pub local_ties_met: [u8; RECENT_WEEKS],
    /// Visits to venues in one's own ward.
    pub local_visits: [u8; RECENT_WEEKS],
}

impl Recent {
    pub fn total_encounters(&self) -> u32 {
        self.encounters.iter().map(|&x| u32::from(x)).sum()
    }
    pub fn total_local_ties_met(&self) -> u32 {
        self.local_ties_met.iter().map(|&x| u32::from(x)).sum()
    }
    pub fn total_local_visits(&self) -> u32 {
        self.local_visits.iter().map(|&x| u32::from(x)).sum()
    }
}

/// Civic life: whether the resident took part this week, and the step they last did.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Civic {
    pub participated: bool,
    pub last_participated: i32,
    /// The step in which the resident last sat on a citizens' assembly.
    pub assembly_step: i32,
}

impl Civic {
    /// The civic life of someone who has never taken part nor sat on an assembly: every
    /// resident's at birth into the town, founder or newcomer.
    pub fn fresh() -> Civic {
        Civic {
            participated: false,
            last_participated: NEVER,
            assembly_step: NEVER,
        }
    }
}

/// What residents' ties can see of them: who took part last week, by slot. Written only at the
/// start of a week, so that this week's decisions all read the same picture; a dense table
/// because every resident reads it for each of their ties.
#[derive(Resource, Clone, Debug, Default, Serialize, Deserialize)]
pub struct PeerSignals {
    pub participated_last_week: Vec<bool>,
}

/// Community groups the resident belongs to (group ids).
#[derive(Component, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Memberships {
    pub groups: [u16; MAX_MEMBERSHIPS],
    pub len: u8,
}

impl Memberships {
    pub fn as_slice(&self) -> &[u16] {
        &self.groups[..self.len as usize]
    }
    pub fn contains(&self, group: u16) -> bool {
        self.as_slice().contains(&group)
    }
    pub fn add(&mut self, group: u16) -> bool {
        if self.contains(group) || self.len as usize >= MAX_MEMBERSHIPS {
            return false;
        }
        self.groups[self.len as usize] = group;
        self.len += 1;
        true
    }
    pub fn remove_at(&mut self, i: usize) {
        let len = self.len as usize;
        self.groups.copy_within(i + 1..len, i);
        self.len -= 1;
    }
}

/// Set by turnover when a resident is leaving at the end of this week.
#[derive(Component, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Departure {
    pub leaving: bool,
}

// ---------------------------------------------------------------- venues and groups

/// A meeting place. `id` is its index in [`VenueIndex`]; venues are never despawned, only
/// closed, so ids stay valid.
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Venue {
    pub id: u16,
    pub kind: VenueKind,
    pub owner: Owner,
    pub ward: u16,
    pub pos_km: [f32; 2],
    pub capacity: u32,
    pub quality: f32,
    pub weekly_cost_gbp: f32,
    pub visit_cost_gbp: f32,
    pub open: bool,
    /// Shut (by a lockdown) until this recorded tick; 0 when never shut.
    pub shut_until: u32,
    /// Running costs paid outside the council's venue budget until this recorded tick.
    pub funded_until: u32,
    /// Visits in each of the last four weeks (tick modulo 4).
    pub visits: [u32; RECENT_WEEKS],
    /// The step at which the venue began to serve the ward ([`Clock::now`]); before the first
    /// step (negative) for the town's venues at the start.
    pub opened_step: i32,
    /// A right-to-bid moratorium: the recorded tick it ends and the bidding group's id.
    pub bid: Option<(u32, u16)>,
    /// For a pub, this week's yearly closure hazard from its trade (pubs.rs); 0 otherwise.
    pub closure_hazard: f32,
}

impl Venue {
    /// Open and not shut by a lockdown at recorded tick `tick`: people can go there.
    pub fn usable(&self, tick: u32) -> bool {
        self.open && tick >= self.shut_until
    }

    pub fn visits_last_4_weeks(&self) -> u32 {
        self.visits.iter().sum()
    }
}

/// The kinds of community group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupKind {
    SportsTeam,
    BrassBand,
    HeritageSociety,
    FaithGroup,
    ResidentsAssociation,
    MutualAid,
    ArtsGroup,
    YouthClub,
}

impl GroupKind {
    pub const ALL: [GroupKind; 8] = [
        GroupKind::SportsTeam,
        GroupKind::BrassBand,
        GroupKind::HeritageSociety,
        GroupKind::FaithGroup,
        GroupKind::ResidentsAssociation,
        GroupKind::MutualAid,
        GroupKind::ArtsGroup,
        GroupKind::YouthClub,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupKind::SportsTeam => "sports_team",
            GroupKind::BrassBand => "brass_band",
            GroupKind::HeritageSociety => "heritage_society",
            GroupKind::FaithGroup => "faith_group",
            GroupKind::ResidentsAssociation => "residents_association",
            GroupKind::MutualAid => "mutual_aid",
            GroupKind::ArtsGroup => "arts_group",
            GroupKind::YouthClub => "youth_club",
        }
    }

    /// Venue kinds where such a group likes to meet, best first.
    pub fn venues(self) -> &'static [VenueKind] {
        use VenueKind::*;
        match self {
            GroupKind::SportsTeam => &[SportsClub, Park, Pub],
            GroupKind::BrassBand => &[WelfareHall, CommunityCentre, Pub],
            GroupKind::HeritageSociety => &[Library, WelfareHall, CommunityCentre],
            GroupKind::FaithGroup => &[PlaceOfWorship, CommunityCentre],
            GroupKind::ResidentsAssociation => &[CommunityCentre, WelfareHall, Library, Pub],
            GroupKind::MutualAid => &[CommunityCentre, PlaceOfWorship, WelfareHall],
            GroupKind::ArtsGroup => &[Library, CommunityCentre, WelfareHall],
            GroupKind::YouthClub => &[CommunityCentre, SportsClub, Park],
        }
    }
}

/// A community group. `id` is its index in [`GroupIndex`].
#[derive(Component, Clone, Debug, Serialize, Deserialize)]
pub struct Group {
    pub id: u16,
    pub kind: GroupKind,
    /// The ward the group is based in.
    pub ward: u16,
    /// Where it meets; `None` once it has nowhere left to meet.
    pub home_venue: Option<u16>,
    pub members: u32,
    pub volunteer_hours: f32,
    /// Capacity to organise, in [0,1]: members and money.
    pub capacity: f32,
    /// Grant income this week, GBP.
    pub funding_gbp: f32,
    /// Venues the group has taken over.
    pub assets: u32,
    pub active: bool,
}

// ---------------------------------------------------------------- resources

/// The resolved scenario, shared read-only by every mechanism.
#[derive(Resource, Clone)]
pub struct Config(pub Arc<Scenario>);

/// The run's seeds.
#[derive(Resource, Clone, Copy)]
pub struct RunSeeds(pub Seeds);

/// The current week. `step` counts every simulated week from the start of the warm-up and keys
/// the random streams; `tick` counts recorded weeks from the start year.
#[derive(Resource, Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Clock {
    pub step: u32,
    pub warmup: u32,
    pub start_year: i32,
}

impl Clock {
    /// Still in the warm-up before the start year: nothing closes, leaves or is recorded.
    pub fn warming_up(&self) -> bool {
        self.step < self.warmup
    }
    /// The recorded week, 0 at the first week of the start year.
    pub fn tick(&self) -> u32 {
        self.step.saturating_sub(self.warmup)
    }
    pub fn year(&self) -> i32 {
        self.start_year + (self.tick() / crate::scenario::WEEKS_PER_YEAR) as i32
    }
    /// Week of the year, 1 to 52.
    pub fn week(&self) -> u32 {
        self.tick() % crate::scenario::WEEKS_PER_YEAR + 1
    }
    /// Index into the four-week rings.
    pub fn ring(&self) -> usize {
        self.step as usize % RECENT_WEEKS
    }
    /// The step as a signed number, for "weeks since" arithmetic.
    pub fn now(&self) -> i32 {
        self.step as i32
    }
}

/// Who lives in each slot: the entity, our id and the ward of its current resident. Turnover
/// updates the id and ward when a newcomer takes a slot, so a tie can tell at once whether its
/// partner is still here, and a newcomer looking for neighbours can rule out other wards
/// without looking the resident up in the world.
#[derive(Resource, Default)]
pub struct SlotIndex {
    pub entities: Vec<Entity>,
    pub ids: Vec<u32>,
    pub wards: Vec<u16>,
}

/// The id a vacant slot holds: a home whose resident left and which is not yet let (turnover.rs,
/// with the labour market on). No resident has it, so no tie is ever alive to it.
pub const VACANT: u32 = u32::MAX;

impl SlotIndex {
    /// Whether nobody lives in `slot` (its entity is then `Entity::PLACEHOLDER`).
    pub fn is_vacant(&self, slot: u32) -> bool {
        self.ids[slot as usize] == VACANT
    }
    pub fn entity(&self, slot: u32) -> Entity {
        self.entities[slot as usize]
    }
    /// Whether resident `id` still lives in `slot`.
    #[inline]
    pub fn holds(&self, slot: u32, id: u32) -> bool {
        self.ids[slot as usize] == id
    }
    pub fn len(&self) -> usize {
        self.entities.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
}

/// Venue entities by venue id.
#[derive(Resource, Default)]
pub struct VenueIndex(pub Vec<Entity>);

/// Group entities by group id.
#[derive(Resource, Default)]
pub struct GroupIndex(pub Vec<Entity>);

/// Ward names and sizes, fixed for the run.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
pub struct Wards {
    pub names: Vec<String>,
    pub deprivation: Vec<f32>,
    /// Open venues per ward at the start, per 1,000 residents of the ward.
    pub amenity_at_start: Vec<f32>,
    /// Residents per ward at the start.
    pub residents_at_start: Vec<u32>,
}

/// Which venues opened or closed, in order, so that choice sets know whether to rebuild: the
/// layout's version is the number of changes so far, and `changed[i]` is the venue whose
/// opening or closing made version `i + 1`.
#[derive(Resource, Default, Clone, Debug, Serialize, Deserialize)]
pub struct Layout {
    pub changed: Vec<u16>,
}

impl Layout {
    pub fn version(&self) -> u32 {
        self.changed.len() as u32
    }

    /// Records that `venue` opened or closed.
    pub fn change(&mut self, venue: u16) {
        self.changed.push(venue);
    }

    /// The venues changed since version `since`, oldest first.
    pub fn since(&self, since: u32) -> &[u16] {
        self.changed.get(since as usize..).unwrap_or(&[])
    }
}

/// The next resident id to hand to a newcomer.
#[derive(Resource, Clone, Copy, Serialize, Deserialize)]
pub struct NextResidentId(pub u32);

/// One visitor in a venue's weekly bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Visitor {
    pub id: u32,
    pub slot: u32,
    pub ward: u16,
    /// What the encounter rule reads of the visitor, copied at gathering so that pairing people
    /// inside a venue does not look each of them up in the world (measured: the lookups were
    /// most of the encounter step's time).
    pub trustworthiness_permille: u16,
    pub traits: [u8; MAX_FEATURES],
}

/// This week's visitors, bucketed by venue id, each bucket in resident-id order, and the pairs
/// of ties who are at the same venue (positions in the bucket, in bucket order).
#[derive(Resource, Default)]
pub struct Buckets {
    /// Every venue's visitors, venue after venue: bucket `v` is `visitors[starts[v]..starts[v +
    /// 1]]` (one flat list filled by a counting sort, since venue ids are dense).
    pub visitors: Vec<Visitor>,
    pub starts: Vec<u32>,
    /// Each venue's pairs of ties who are both there, as positions in its bucket (lower id's,
    /// higher id's), by the lower id, then the higher.
    pub friends: Vec<Vec<(u32, u32)>>,
    /// Scratch: slots in resident-id order, and the id each slot held when it was built (ids
    /// only grow, so a newcomer goes to the end and the rest keep their order).
    pub id_order: Vec<u32>,
    pub id_order_ids: Vec<u32>,
    /// Scratch: each slot's venues this week, and what the encounter rule reads of the resident,
    /// copied in one pass so that bucketing and finding friends never look a resident up in the
    /// world (measured: those lookups were a third of a tick).
    pub week_by_slot: Vec<Outings>,
    pub visitor_by_slot: Vec<Visitor>,
    /// Scratch: each slot's venues this week as a bit set of venue ids modulo 64, so that most
    /// ties who went elsewhere are ruled out with one test.
    pub mask_by_slot: Vec<u64>,
    /// Scratch: for each slot and each of its outings this week, its position in that bucket.
    /// Atomic so that the threads filling different venues' buckets can each write their own
    /// outings of the same resident (relaxed stores: no two threads write the same place).
    pub position_by_slot: Vec<[AtomicU32; MAX_OUTINGS]>,
    /// Scratch: friends at the same venue found from each resident's own ties, as (venue, index
    /// of the venue in the lower-id friend's outings, slot of the higher-id friend, index of the
    /// venue in theirs); resident `s`'s are `found[found_at[s].0..found_at[s].1]`, in the
    /// partner's id order, then in the order of the resident's outings.
    pub found: Vec<FoundTie>,
    pub found_at: Vec<(u32, u32)>,
}

impl Buckets {
    /// This week's visitors of venue `v`, in resident-id order.
    pub fn of(&self, v: u16) -> &[Visitor] {
        let v = v as usize;
        match (self.starts.get(v), self.starts.get(v + 1)) {
            (Some(&a), Some(&b)) => &self.visitors[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Two ties at the same venue, found from the side of the one with the lower id: (venue, index
/// of the venue in the lower id's outings, slot of the higher id, index of the venue in theirs).
pub type FoundTie = (u16, u8, u32, u8);

/// One side of an encounter, as delivered to a resident.
#[derive(Clone, Copy, Debug)]
pub struct Contact {
    pub partner_slot: u32,
    pub partner_id: u32,
    pub partner_ward: u16,
    pub venue: u16,
    pub positive: bool,
    /// The two start a tie.
    pub new_tie: bool,
}

/// One side of a meeting: who it was.
#[derive(Clone, Copy, Debug)]
pub struct Party {
    pub id: u32,
    pub slot: u32,
    pub ward: u16,
}

impl Party {
    pub fn of(v: &Visitor) -> Party {
        Party {
            id: v.id,
            slot: v.slot,
            ward: v.ward,
        }
    }
}

/// One encounter between two visitors of a venue.
#[derive(Clone, Copy, Debug)]
pub struct Meeting {
    pub a: Party,
    pub b: Party,
    pub a_positive: bool,
    pub b_positive: bool,
    pub new_tie: bool,
}

/// A venue's encounters this week, written by the encounter mechanism.
#[derive(Component, Clone, Debug, Default)]
pub struct EncounterLog {
    pub meetings: Vec<Meeting>,
}

/// This week's contacts of every resident, by slot (compressed rows: `items[offsets[s]..
/// offsets[s + 1]]`), merged from the venues in venue-id order.
#[derive(Resource, Default)]
pub struct Inbox {
    pub offsets: Vec<u32>,
    pub items: Vec<Contact>,
}

impl Inbox {
    #[inline]
    pub fn of(&self, slot: u32) -> &[Contact] {
        let s = slot as usize;
        &self.items[self.offsets[s] as usize..self.offsets[s + 1] as usize]
    }
}

/// The council's money, openness and powers.
#[derive(Resource, Clone, Debug, Serialize, Deserialize)]
pub struct CouncilState {
    /// Current revenue budget, GBP per year.
    pub yearly_budget_gbp: f64,
    pub statutory_share: f64,
    pub venue_share: f64,
    pub grant_share: f64,
    pub participatory_budget_share: f64,
    pub openness: f64,
    pub devolved_powers: f64,
    pub consultations_per_year: f64,
    pub community_right_to_bid: bool,
    /// Real-terms change in the budget applied at the start of each year after the first.
    pub real_terms_change_per_year: f64,
    /// Discretionary budget at the start, GBP per year (for capacity).
    pub discretionary_at_start_gbp: f64,
    /// This week's discretionary budget, GBP per year equivalent.
    pub discretionary_gbp: f64,
    /// Weeks the venue budget has not covered council venues.
    pub shortfall_weeks: u32,
    /// Discretionary budget relative to the start, capped at 1.
    pub capacity: f64,
    /// Share of their usual opening hours that the council's own venues (those not funded
    /// from outside) keep this week: the venue budget over their running costs, at most 1.
    pub opening_share: f64,
    /// Chance that the council visibly acts on a participant's input this week.
    pub responsiveness: f64,
    /// Opportunities to take part this week, in [0,1].
    pub opportunities: f64,
    /// Austerity: cuts still to come, their size, the statutory share's rise with each, and
    /// the recorded tick of the next.
    pub cuts_left: u32,
    pub cut: f64,
    pub statutory_rise: f64,
    pub next_cut_tick: u32,
    /// Extra grants to groups: (last recorded tick, GBP a year).
    pub extra_grants: Vec<(u32, f64)>,
    /// A devolved budget added to the discretionary budget, GBP a year.
    pub devolved_budget_gbp: f64,
    /// Share of the budget that central cuts do not reach.
    pub fiscal_autonomy: f64,
    /// How much of their usual hours the council's own venues lost this week (the fall in
    /// `opening_share` since last week, at least 0).
    pub hours_cut: f64,
    /// A citizens' assembly this step: (step, whether the council acts on it).
    pub assembly: Option<(i32, bool)>,
}

impl CouncilState {
    /// The council as a scenario starts it: its settings, a full discretionary budget (capacity
    /// 1, hours in full) and nothing scheduled yet.
    pub fn at_start(c: &crate::scenario::Council) -> CouncilState {
        let discretionary = c.yearly_budget_gbp * (1.0 - c.statutory_share);
        CouncilState {
            yearly_budget_gbp: c.yearly_budget_gbp,
            statutory_share: c.statutory_share,
            venue_share: c.venue_share,
            grant_share: c.grant_share,
            participatory_budget_share: c.participatory_budget_share,
            openness: c.openness,
            devolved_powers: c.devolved_powers,
            consultations_per_year: c.consultations_per_year,
            community_right_to_bid: c.community_right_to_bid,
            real_terms_change_per_year: c.real_terms_change_per_year,
            discretionary_at_start_gbp: discretionary,
            discretionary_gbp: discretionary,
            shortfall_weeks: 0,
            capacity: 1.0,
            opening_share: 1.0,
            responsiveness: 0.0,
            opportunities: 0.0,
            cuts_left: 0,
            cut: 0.0,
            statutory_rise: 0.0,
            next_cut_tick: 0,
            extra_grants: Vec::new(),
            devolved_budget_gbp: 0.0,
            fiscal_autonomy: c.fiscal_autonomy,
            hours_cut: 0.0,
            assembly: None,
        }
    }
}

/// A closure (or an opening) remembered for belonging and council trust.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct ClosureRecord {
    pub tick: u32,
    pub ward: u16,
    pub owner: Owner,
    /// How much the change signals, by how long the venue had served the ward (belonging.rs).
    pub service_weight: f32,
}

/// Recent closures and openings, oldest first.
#[derive(Resource, Default, Serialize, Deserialize)]
pub struct Closures {
    pub list: Vec<ClosureRecord>,
    pub openings: Vec<ClosureRecord>,
}

/// Something that happened, for `events.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub tick: u32,
    pub kind: &'static str,
    pub venue: Option<String>,
    pub ward: Option<u16>,
    pub detail: String,
}

/// Every event of the run, in the order it happened.
#[derive(Resource, Default)]
pub struct EventLog(pub Vec<EventRecord>);

/// Scheduled interventions not yet applied, by tick, in file order.
#[derive(Resource, Default)]
pub struct PendingEvents(pub Vec<(u32, crate::scenario::Intervention)>);

/// A venue's public name in outputs: `pub-03`.
pub fn venue_label(kind: VenueKind, number: u32) -> String {
    format!("{}-{:02}", kind.name().replace('_', "-"), number)
}

/// Venue labels by id, fixed for the run.
#[derive(Resource, Default, Serialize, Deserialize)]
pub struct VenueLabels(pub Vec<String>);

/// Each ward's most common identity traits, for drawing newcomers like their neighbours.
#[derive(Resource, Clone, Serialize, Deserialize)]
pub struct WardCultures(pub Vec<[u8; MAX_FEATURES]>);

// ---------------------------------------------------------------- politics

/// A resident's political outlook this week, written by the politics mechanism from the rest of
/// their state (scratch: filled afresh every week before anything reads it).
#[derive(Component, Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Politics {
    /// Probability of voting in a local election.
    pub vote_local: f32,
    /// Probability of supporting an anti-system (radical-right, Leave-style) party.
    pub anti_system: f32,
}

/// Pubs open in each ward over the last `window` weeks, for the pub-loss signal: a ring indexed
/// by step modulo `window`, each entry a row of wards.
#[derive(Resource, Clone, Debug, Default, Serialize, Deserialize)]
pub struct PubHistory {
    pub window: u32,
    pub wards: u32,
    /// `counts[(step % window) * wards + ward]`: pubs open in the ward at that step.
    pub counts: Vec<u16>,
    /// Weeks recorded so far (at most `window` matter).
    pub recorded: u32,
}

// ---------------------------------------------------------------- the local economy

/// The town's labour market (jobs.rs): jobs and unemployment against the start, the change in
/// out-of-work income, and job losses ordered by events and not yet made.
#[derive(Resource, Clone, Debug, Default, Serialize, Deserialize)]
pub struct Labour {
    /// Whether the start has been counted (done in the first recorded week).
    pub counted: bool,
    /// Working-age residents in and out of work at the start.
    pub employed_at_start: u32,
    pub unemployed_at_start: u32,
    /// Jobs the open venues provided at the start.
    pub venue_jobs_at_start: f64,
    /// Jobs lost by `job_loss` events so far.
    pub jobs_lost: f64,
    /// Jobs in town relative to the start (1 at the start).
    pub jobs_ratio: f64,
    /// Share of working-age residents out of work at the start and this week.
    pub unemployment_at_start: f64,
    pub unemployment: f64,
    /// Change in out-of-work income since the start, GBP a week.
    pub benefit_change_gbp: f64,
    /// The benefit changed this week: out-of-work residents' venue weights are recomputed.
    pub benefit_changed: bool,
    /// Job losses ordered this week and not yet made: (jobs, ward).
    pub layoffs: Vec<(u32, Option<u16>)>,
}

impl Labour {
    /// The rise in unemployment since the start (a share of working-age residents, at least 0)
    /// that the young's moving and newcomers' arrival answer; 0 while the labour market is off or
    /// the start not yet counted.
    pub fn unemployment_rise(&self, s: &Scenario) -> f64 {
        if s.jobs.enabled && self.counted {
            (self.unemployment - self.unemployment_at_start).max(0.0)
        } else {
            0.0
        }
    }

    /// The factor on an out-of-work resident's money pressure: 2 at the start's income,
    /// scaled by income at the start / income now (income now at least 1 GBP a week).
    pub fn out_of_work_pressure(&self, s: &Scenario) -> f32 {
        let base = s.jobs.out_of_work_income_gbp_per_week;
        (2.0 * base / (base + self.benefit_change_gbp).max(1.0)) as f32
    }
}
