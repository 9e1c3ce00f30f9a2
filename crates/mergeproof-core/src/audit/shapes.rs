//! Sharing a check between customers of one shape: customers who agree on
//! what a campaign reads (the same cells, or values, in the fields its
//! audiences and templates read) share one selection, render and check.

use std::borrow::Cow;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::Outcome;
use crate::config::{Config, ProfileColumns};
use crate::finding::ProfileKind;
use crate::project::records::{CsvLayout, CsvRow, Entry};
use crate::project::{Campaign, Profile};
use crate::source::LoadError;
use crate::template::CompiledCampaign;

/// Whether customers who agree on what a campaign reads share one check.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Sharing {
    /// Customers with the same shape for a campaign (the same cells, or
    /// values, in the fields it reads) share one selection, render and
    /// check. How many shapes a list holds depends on what the templates
    /// read: a few thousand in a million customers when they read fields of
    /// few values, nearly one per customer when they print names.
    Shapes,
    /// Every customer rendered and checked on their own, a row's profile
    /// made of all its columns: what sharing, and leaving out the columns
    /// no campaign reads ([`Kept`]), must agree with (the tests compare the
    /// two).
    #[cfg_attr(not(test), allow(dead_code))]
    Nothing,
}

/// A customer of a batch: a CSV row still as cells, or a profile.
pub(super) enum Customer {
    /// A row, and its profile once one campaign has made it: the batch's
    /// other campaigns check the same profile (made for each, it cost a
    /// tenth of an audit of ten campaigns).
    Row {
        row: CsvRow,
        made: Option<Profile>,
    },
    Profile(Profile),
}

impl Customer {
    /// The customer an entry read with `columns` holds, or why it holds
    /// none (a JSON Lines line that is no profile).
    pub(super) fn of(entry: Entry, columns: &ProfileColumns) -> Result<Customer, LoadError> {
        Ok(match entry {
            Entry::Row(row) => Customer::Row { row, made: None },
            entry => {
                let r = entry.into_record(columns)?;
                Customer::Profile(Profile::from_data(r.id, r.data, ProfileKind::Sample, r.loc))
            }
        })
    }

    pub(super) fn id(&self) -> Cow<'_, str> {
        match self {
            Customer::Row { row, .. } => row.id(),
            Customer::Profile(p) => Cow::Borrowed(&p.id),
        }
    }

    /// `f` of the customer's profile, which it may take apart so long as it
    /// puts it back together (a render borrows its data). A row's profile
    /// (of the columns `kept`) is made once and kept while `more` campaigns
    /// are to check it; after the last, it is freed here, by the thread
    /// that used it (kept to the end of the batch, profiles cost an audit of
    /// one campaign a tenth).
    pub(super) fn with_profile<R>(
        &mut self,
        more: bool,
        kept: &Kept,
        f: impl FnOnce(&mut Profile) -> R,
    ) -> R {
        match self {
            Customer::Row { row, made } if more => {
                f(made.get_or_insert_with(|| kept.profile_of(row)))
            }
            Customer::Row { row, made } => {
                f(&mut made.take().unwrap_or_else(|| kept.profile_of(row)))
            }
            Customer::Profile(p) => f(p),
        }
    }

    /// The customer's profile: a row's of the columns `kept`.
    pub(super) fn profile(&self, kept: &Kept) -> Cow<'_, Profile> {
        match self {
            Customer::Row {
                made: Some(made), ..
            } => Cow::Borrowed(made),
            Customer::Row { row, made: None } => Cow::Owned(kept.profile_of(row)),
            Customer::Profile(p) => Cow::Borrowed(p),
        }
    }
}

/// Finds the columns of `parts` in `layout` (a CSV row's), when it is not
/// the layout `seen` last: an export's rows share one, so they are found
/// once for the file.
fn follow<'p>(
    seen: &mut Option<Arc<CsvLayout>>,
    layout: Option<&Arc<CsvLayout>>,
    parts: impl IntoIterator<Item = &'p mut Part>,
) {
    let Some(layout) = layout else {
        return;
    };
    if seen.as_ref().is_some_and(|l| Arc::ptr_eq(l, layout)) {
        return;
    }
    for part in parts {
        part.columns = layout.columns_under(part.fields.as_deref());
    }
    *seen = Some(layout.clone());
}

/// The top-level fields any campaign of an audit reads (what its audiences
/// read, and what decides every render and finding of each variant: the
/// fields a shape is told apart by), and their columns in the layout last
/// seen. A CSV row's profile is made of those columns alone: an export
/// holds columns no template reads (Mailchimp's sign-up time and IP
/// address, time zone, coordinates, member rating…), and making each of
/// them a value, for every customer, decided nothing.
pub(super) struct Kept {
    part: Part,
    layout: Option<Arc<CsvLayout>>,
}

impl Kept {
    /// The fields the campaigns' `shapes` are told apart by; all of them
    /// when a template reads the profile as a whole.
    pub(super) fn read_by(shapes: &[Shapes]) -> Kept {
        let parts = shapes
            .iter()
            .flat_map(|s| std::iter::once(&s.audiences).chain(&s.variants));
        let mut fields = std::collections::BTreeSet::new();
        for part in parts {
            let Some(read) = &part.fields else {
                return Kept::fields(None);
            };
            fields.extend(read.iter().cloned());
        }
        Kept::fields(Some(fields.into_iter().collect()))
    }

    /// `fields`, or every field for `None`.
    pub(super) fn fields(fields: Option<Vec<String>>) -> Kept {
        Kept {
            part: Part {
                fields,
                columns: Vec::new(),
            },
            layout: None,
        }
    }

    /// The fields kept: `None` for all of them.
    #[cfg(test)]
    pub(super) fn names(&self) -> Option<&[String]> {
        self.part.fields.as_deref()
    }

    /// Finds the columns of the fields in the layout of the first CSV row
    /// `read`.
    pub(super) fn follow_layout(&mut self, read: &[Result<Entry, LoadError>]) {
        let layout = read.iter().find_map(|entry| match entry {
            Ok(Entry::Row(row)) => Some(&row.layout),
            _ => None,
        });
        follow(&mut self.layout, layout, [&mut self.part]);
    }

    /// The profile of a CSV row, of the columns kept.
    fn profile_of(&self, row: &CsvRow) -> Profile {
        let r = match self.part.fields {
            None => row.record(),
            Some(_) => row.record_of(&self.part.columns_of(row, self.layout.as_ref())),
        };
        Profile::from_data(r.id, r.data, ProfileKind::Sample, r.loc)
    }
}

/// Some top-level fields of a record, and the CSV columns that hold them in
/// the layout last seen.
struct Part {
    /// `None`: all of the record.
    fields: Option<Vec<String>>,
    columns: Vec<usize>,
}

impl Part {
    /// Writes the part of `customer`: two customers write the same bytes
    /// exactly when they hold the same in these fields.
    fn write(&self, customer: &Customer, layout: Option<&Arc<CsvLayout>>, key: &mut Vec<u8>) {
        match customer {
            Customer::Row { row, .. } => {
                key.push(b'c');
                row.write_cells(&self.columns_of(row, layout), key);
            }
            Customer::Profile(p) => {
                key.push(b'j');
                match (&self.fields, &p.data) {
                    (Some(fields), Value::Object(map)) => {
                        for field in fields {
                            if let Some(value) = map.get(field) {
                                key.push(1);
                                // Writing to memory cannot fail.
                                let _ = serde_json::to_writer(&mut *key, value);
                            }
                            // JSON text never holds this byte: it ends each field.
                            key.push(0xff);
                        }
                    }
                    _ => {
                        let _ = serde_json::to_writer(&mut *key, &p.data);
                    }
                }
            }
        }
    }

    /// What the customer holds in these fields: for a row, only the values
    /// of their columns.
    fn data<'c>(&self, customer: &'c Customer, layout: Option<&Arc<CsvLayout>>) -> Cow<'c, Value> {
        match customer {
            Customer::Row { row, .. } => {
                Cow::Owned(row.data_of(self.columns_of(row, layout).iter().copied()))
            }
            Customer::Profile(p) => Cow::Borrowed(&p.data),
        }
    }

    /// The columns of these fields in `row`'s layout: those found for the
    /// layout last seen when it is the row's.
    fn columns_of(&self, row: &CsvRow, layout: Option<&Arc<CsvLayout>>) -> Cow<'_, [usize]> {
        if layout.is_some_and(|l| Arc::ptr_eq(l, &row.layout)) {
            Cow::Borrowed(&self.columns)
        } else {
            Cow::Owned(row.layout.columns_under(self.fields.as_deref()))
        }
    }
}

/// Keys hold customers' values, a batch's worth looked up and stored on
/// the thread that hands batches out: a fast hash, seeded for each run.
type KeyMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// What was worked out once for each key, kept for the next batches.
pub(super) struct Store<V> {
    values: KeyMap<Box<[u8]>, V>,
    /// The bytes of the keys and values kept.
    bytes: usize,
    /// Values worked out so far.
    pub(super) worked: u64,
    /// Batches still to work out item by item, without keys.
    unshared_batches: u32,
    /// Keyed batches in a row in which almost no item shared a key.
    unshared_in_a_row: u32,
    /// The keys, and their bytes with their values', kept before the
    /// store starts over: the campaign's share of the audit's.
    most: usize,
    most_bytes: usize,
}

/// The memory a kept value takes, besides its key.
pub(super) trait Weigh {
    fn bytes(&self) -> usize;
}

impl Weigh for Option<usize> {
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

/// Keys all the stores of an audit keep, shared evenly between its
/// campaigns, before each starts over, so that memory stays flat on a list
/// where few customers share a shape, however many campaigns read it.
const STORED: usize = 1 << 16;

/// Bytes of keys and values all the stores keep, shared the same way: keys
/// hold the values a shape is told apart by, and a list of long distinct
/// values (a 200 KB name each) would otherwise keep them all, in every
/// campaign; each kept outcome holds its findings and the tokens that
/// printed nothing or their fallback. (A budget per campaign took an audit
/// of a million distinct customers through ten campaigns to 590 MB.)
const STORED_BYTES: usize = 48 << 20;

/// What a campaign's store keeps at the least, however many campaigns
/// share the budget: a list of few shapes still shares them.
const LEAST_STORED: usize = 1024;
const LEAST_STORED_BYTES: usize = 1 << 20;

/// A key longer than this is not kept: a customer with values that long is a
/// shape of their own, and keeping it would only cost memory.
const MAX_STORED_KEY: usize = 16 << 10;

impl<V: Clone + Send + Sync + Weigh> Store<V> {
    /// A store of one of `campaigns` campaigns.
    fn new(campaigns: usize) -> Store<V> {
        let campaigns = campaigns.max(1);
        Store {
            values: KeyMap::default(),
            bytes: 0,
            worked: 0,
            unshared_batches: 0,
            unshared_in_a_row: 0,
            most: (STORED / campaigns).max(LEAST_STORED),
            most_bytes: (STORED_BYTES / campaigns).max(LEAST_STORED_BYTES),
        }
    }

    /// Whether the next batch is to be keyed: not for [`UNSHARED_BATCHES`]
    /// batches after one in which almost no item shared a key (counted
    /// here, as the caller then works each item out itself).
    fn keys_next_batch(&mut self) -> bool {
        if self.unshared_batches > 0 {
            self.unshared_batches -= 1;
            return false;
        }
        true
    }

    /// The value of each key: a stored one, else worked out once (in
    /// parallel, from the first item with that key) and stored.
    fn resolve(&mut self, keys: &[Box<[u8]>], work: impl Fn(usize) -> V + Sync) -> Vec<V> {
        let (found, firsts) = self.look_up(keys);
        let worked: Vec<V> = firsts.par_iter().map(|&i| work(i)).collect();
        self.keep(keys, &firsts, &worked);
        found
            .into_iter()
            .map(|f| f.unwrap_or_else(|n| worked[n].clone()))
            .collect()
    }

    /// Each key's stored value, or the number of the new key it is; and
    /// the first item of each new key, in order.
    fn look_up(&self, keys: &[Box<[u8]>]) -> (Vec<Result<V, usize>>, Vec<usize>) {
        let mut found: Vec<Result<V, usize>> = keys
            .par_iter()
            .map(|key| self.values.get(key).cloned().ok_or(0))
            .collect();
        let mut new_keys: KeyMap<&[u8], usize> = KeyMap::default();
        let mut firsts: Vec<usize> = Vec::new();
        for (i, (key, found)) in keys.iter().zip(&mut found).enumerate() {
            if let Err(new) = found {
                *new = *new_keys.entry(key).or_insert_with(|| {
                    firsts.push(i);
                    firsts.len() - 1
                });
            }
        }
        (found, firsts)
    }

    /// Stores the value worked out for each new key (from its first item,
    /// [`Self::look_up`]), and measures how much the batch shared.
    fn keep(&mut self, keys: &[Box<[u8]>], firsts: &[usize], worked: &[V]) {
        self.worked += worked.len() as u64;
        let shared = keys.len() - worked.len();
        if shared * FEW_SHARE < keys.len() {
            self.unshared_batches = UNSHARED_BATCHES << self.unshared_in_a_row.min(MOST_DOUBLINGS);
            self.unshared_in_a_row += 1;
        } else {
            self.unshared_in_a_row = 0;
        }
        for (&i, v) in firsts.iter().zip(worked) {
            let key = &keys[i];
            if key.len() > MAX_STORED_KEY {
                continue;
            }
            let bytes = key.len() + v.bytes();
            if self.values.len() == self.most || self.bytes + bytes > self.most_bytes {
                self.values.clear();
                self.bytes = 0;
            }
            self.bytes += bytes;
            self.values.insert(key.clone(), v.clone());
        }
    }
}

/// After a batch in which almost no customer shared a shape with another
/// (fewer than one in [`FEW_SHARE`]), the next batches are selected and
/// checked customer by customer: on a list as distinct as a real one,
/// writing and storing each customer's key (on the thread that hands
/// batches out, while the workers wait) cost a twentieth of the audit and
/// saved nothing. Then a batch is keyed again, in case the list changes;
/// each time in a row that it shares nothing either, the wait doubles, up
/// to [`MOST_DOUBLINGS`] times (15, 30, 60 batches of 4,096): a keyed batch
/// of distinct customers costs a third more than checking them one by one.
/// What that risks is a list whose later customers start to share being
/// checked one by one for up to 60 batches before it is noticed.
pub(super) const UNSHARED_BATCHES: u32 = if cfg!(test) { 2 } else { 15 };
const MOST_DOUBLINGS: u32 = 2;
const FEW_SHARE: usize = 64;

/// What one campaign has worked out so far, by shape.
pub(super) struct Shapes {
    /// Checks made customer by customer.
    pub(super) unshared: u64,
    /// What its audiences read: it decides the variant.
    audiences: Part,
    /// By variant, what decides every render and finding of it.
    variants: Vec<Part>,
    layout: Option<Arc<CsvLayout>>,
    selections: Store<Option<usize>>,
    pub(super) outcomes: Store<Arc<Outcome>>,
}

impl Shapes {
    /// The shapes of `compiled`, one of the audit's `campaigns`.
    pub(super) fn new(compiled: &CompiledCampaign, config: &Config, campaigns: usize) -> Shapes {
        let part = |fields| Part {
            fields,
            columns: Vec::new(),
        };
        Shapes {
            unshared: 0,
            audiences: part(crate::edge::audience_fields(&compiled.campaign)),
            variants: (0..compiled.variants.len())
                .map(|vi| part(crate::edge::read_fields(compiled, vi, config)))
                .collect(),
            layout: None,
            selections: Store::new(campaigns),
            outcomes: Store::new(campaigns),
        }
    }

    /// Finds the columns of each part in the layout of `batch`'s first row.
    pub(super) fn follow_layout(&mut self, batch: &[Customer]) {
        let layout = batch.iter().find_map(|c| match c {
            Customer::Row { row, .. } => Some(&row.layout),
            Customer::Profile(_) => None,
        });
        let parts = std::iter::once(&mut self.audiences).chain(&mut self.variants);
        follow(&mut self.layout, layout, parts);
    }

    /// Whether the campaign works the next batch out by shape
    /// ([`Self::work`]); else the batch's one pass over its customers
    /// checks each, selected from the profile their check makes. (Writing
    /// and looking up their audience values to find a selection kept cost
    /// more than selecting: a fifteenth of an audit of distinct customers,
    /// on the thread that hands batches out, for audiences that read values
    /// most customers have their own of, such as points beside a tier.)
    pub(super) fn keys_next_batch(&mut self) -> bool {
        self.outcomes.keys_next_batch()
    }

    /// How the campaign works out `batch`, a batch it keys: the outcome of
    /// each customer, worked out here once per shape.
    pub(super) fn work(
        &mut self,
        batch: &[Customer],
        check: impl Fn(&mut Profile, Option<usize>) -> Arc<Outcome> + Sync,
        campaign: &Campaign,
        kept: &Kept,
    ) -> Way {
        self.follow_layout(batch);
        let layout = self.layout.as_ref();
        let keyed_selections = self.selections.keys_next_batch();
        let selection_keys: Vec<Box<[u8]>> = if keyed_selections {
            batch
                .par_iter()
                .map(|c| {
                    let mut key = Vec::with_capacity(64);
                    self.audiences.write(c, layout, &mut key);
                    key.into_boxed_slice()
                })
                .collect()
        } else {
            Vec::new()
        };
        // A customer's variant is decided by what the audiences read: a
        // row's profile of only those columns is made to select it.
        let select =
            |c: &Customer| crate::select::select_by(campaign, &self.audiences.data(c, layout));
        // Audiences that read values nearly every customer has their own
        // (points, dates) share no selection either.
        let selections: Vec<Option<usize>> = if keyed_selections {
            self.selections
                .resolve(&selection_keys, |i| select(&batch[i]))
        } else {
            batch.par_iter().map(select).collect()
        };
        let keys: Vec<Box<[u8]>> = batch
            .par_iter()
            .zip(&selections)
            .map(|(c, vi)| {
                let mut key = Vec::with_capacity(64);
                if let Some(vi) = *vi {
                    key.extend_from_slice(&(vi as u32).to_le_bytes());
                    self.variants[vi].write(c, layout, &mut key);
                }
                key.into_boxed_slice()
            })
            .collect();
        Way::Keyed(self.outcomes.resolve(&keys, |i| {
            check(&mut batch[i].profile(kept).into_owned(), selections[i])
        }))
    }

    /// Counts `customers` checked one by one.
    pub(super) fn checked_one_by_one(&mut self, customers: usize) {
        self.unshared += customers as u64;
    }
}

/// How a campaign works a batch out.
pub(super) enum Way {
    /// By shape: each customer's outcome.
    Keyed(Vec<Arc<Outcome>>),
    /// Customer by customer, in one pass over the batch with the other
    /// campaigns that do: each customer's whole profile is made once, to
    /// select by and to check, for all of them. (Making a row's audience
    /// columns into a profile of their own first cost a fortieth of an
    /// audit of distinct customers; a pass per campaign, a tenth of one
    /// through ten campaigns.)
    OneByOne,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys of `len` bytes, each its own.
    fn distinct_keys(n: u32, len: usize) -> Vec<Box<[u8]>> {
        (0..n)
            .map(|i| {
                let mut key = i.to_le_bytes().to_vec();
                key.resize(len, b'.');
                key.into_boxed_slice()
            })
            .collect()
    }

    /// Which of `batches` batches, each of keys none shares, are keyed.
    fn keyed_batches(store: &mut Store<Option<usize>>, batches: u32) -> Vec<u32> {
        (0..batches)
            .filter(|&b| {
                let keyed = store.keys_next_batch();
                if keyed {
                    let keys: Vec<Box<[u8]>> = distinct_keys(100, 8)
                        .into_iter()
                        .map(|mut key| {
                            key[4..].copy_from_slice(&b.to_le_bytes());
                            key
                        })
                        .collect();
                    store.resolve(&keys, Some);
                }
                keyed
            })
            .collect()
    }

    /// A list that shares nothing is keyed again after [`UNSHARED_BATCHES`]
    /// batches, then twice and four times as many; a batch that shares
    /// brings the wait back to the first.
    #[test]
    fn the_wait_for_a_keyed_batch_doubles_while_nothing_is_shared() {
        let mut store: Store<Option<usize>> = Store::new(1);
        let wait = UNSHARED_BATCHES;
        let probes = |waits: &[u32]| {
            let mut at = 0;
            let mut keyed = vec![0];
            for w in waits {
                at += w + 1;
                keyed.push(at);
            }
            keyed
        };
        let batches = 1 + 7 * wait + 5;
        assert_eq!(
            keyed_batches(&mut store, batches),
            probes(&[wait, 2 * wait, 4 * wait, 4 * wait])
                .into_iter()
                .filter(|&b| b < batches)
                .collect::<Vec<_>>()
        );
        // A batch that shares (each key twice) brings the first wait back.
        let mut store: Store<Option<usize>> = Store::new(1);
        keyed_batches(&mut store, 1 + wait + 1 + 2 * wait);
        assert_eq!(store.unshared_in_a_row, 2);
        while !store.keys_next_batch() {}
        let keys = distinct_keys(100, 8);
        let repeated: Vec<Box<[u8]>> = keys.iter().chain(&keys).cloned().collect();
        store.resolve(&repeated, Some);
        assert_eq!((store.unshared_in_a_row, store.unshared_batches), (0, 0));
        store.resolve(&distinct_keys(300, 8)[200..], Some);
        assert_eq!(store.unshared_batches, wait);
    }

    /// Each campaign's stores keep their share of the audit's budget, in
    /// keys and in bytes, so that more campaigns do not take more memory.
    #[test]
    fn a_store_keeps_its_campaigns_share() {
        for (campaigns, keys, len) in [
            (1, 60_000, 16),
            (10, 60_000, 16),
            (1, 60_000, 1_000),
            (10, 6_000, 1_000),
        ] {
            let mut store: Store<Option<usize>> = Store::new(campaigns);
            let keys = distinct_keys(keys, len);
            let (_, firsts) = store.look_up(&keys);
            let worked: Vec<Option<usize>> = firsts.iter().map(|&i| Some(i)).collect();
            store.keep(&keys, &firsts, &worked);
            let most = (STORED / campaigns).max(LEAST_STORED);
            let most_bytes = (STORED_BYTES / campaigns).max(LEAST_STORED_BYTES);
            assert!(
                store.values.len() <= most,
                "{campaigns} campaigns, {len}-byte keys: {} kept",
                store.values.len()
            );
            let kept_bytes: usize = store.values.iter().map(|(k, v)| k.len() + v.bytes()).sum();
            assert!(
                kept_bytes <= most_bytes,
                "{campaigns} campaigns, {len}-byte keys: {kept_bytes} bytes"
            );
            // What is kept is found again.
            let (found, _) = store.look_up(&keys);
            assert_eq!(
                found.iter().filter(|f| f.is_ok()).count(),
                store.values.len()
            );
        }
    }
}
