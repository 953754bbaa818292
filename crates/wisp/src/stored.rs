//! Handles to objects in a store: the store's id and the object's index,
//! with one ownership check for every kind of object.
//!
//! The rule for a handle used with a store that did not create it (a host
//! programming error, never something a guest can cause): methods that
//! return [`Result`] fail with an [`ErrorKind::Type`](crate::ErrorKind)
//! error saying so; methods that cannot fail (sizes, types, contents,
//! element and export look-ups, and [`Memory::read`](crate::Memory::read)
//! and [`Memory::write`](crate::Memory::write), whose error means "out of
//! bounds") panic.

use std::fmt;
use std::marker::PhantomData;

use crate::store::StoreInner;
use crate::{Error, Result};

/// What a handle refers to: names the kind in messages.
pub(crate) trait Kind {
    const NAME: &'static str;
}

macro_rules! kinds {
    ($($kind:ident => $name:literal),* $(,)?) => {$(
        #[doc = concat!("Marks handles to a ", $name, ".")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum $kind {}

        impl Kind for $kind {
            const NAME: &'static str = $name;
        }
    )*};
}

kinds! {
    FuncKind => "Func",
    MemoryKind => "Memory",
    TableKind => "Table",
    GlobalKind => "Global",
    InstanceKind => "Instance",
    ExternRefKind => "ExternRef",
}

/// Object `index` of kind `K` in the store whose id is `store_id`.
pub(crate) struct Stored<K> {
    store_id: u64,
    index: u32,
    _kind: PhantomData<K>,
}

impl<K: Kind> Stored<K> {
    /// A handle to object `index` of the store with id `store_id`.
    pub(crate) fn new(store_id: u64, index: u32) -> Self {
        Self { store_id, index, _kind: PhantomData }
    }

    /// The object's index in `store`, or an error if `store` did not
    /// create it. The one ownership check.
    pub(crate) fn index_in(self, store: &StoreInner) -> Result<u32> {
        if self.store_id == store.id() {
            Ok(self.index)
        } else {
            Err(Error::ty(Self::wrong_store()))
        }
    }

    /// The object's index in `store`, for methods that cannot fail.
    ///
    /// # Panics
    /// If `store` did not create the object.
    #[track_caller]
    pub(crate) fn expect_in(self, store: &StoreInner) -> u32 {
        match self.index_in(store) {
            Ok(index) => index,
            Err(_) => panic!("{}", Self::wrong_store()),
        }
    }

    /// The index, unchecked: for debugging output only.
    pub(crate) fn raw_index(self) -> u32 {
        self.index
    }

    fn wrong_store() -> String {
        format!("{} used with a store that did not create it", K::NAME)
    }
}

// Written out: derives would ask the same of `K`, an uninhabited marker.
impl<K> Clone for Stored<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for Stored<K> {}

impl<K> PartialEq for Stored<K> {
    fn eq(&self, other: &Self) -> bool {
        (self.store_id, self.index) == (other.store_id, other.index)
    }
}

impl<K> Eq for Stored<K> {}

impl<K> std::hash::Hash for Stored<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.store_id, self.index).hash(state);
    }
}

impl<K: Kind> fmt::Debug for Stored<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(K::NAME)
            .field("store_id", &self.store_id)
            .field("index", &self.index)
            .finish()
    }
}

/// Prints handles as their store id and index, as they always have.
macro_rules! debug_as_stored {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    )*};
}

debug_as_stored!(crate::Memory, crate::Table, crate::Global, crate::Instance, crate::ExternRef);
