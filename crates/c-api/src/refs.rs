//! `wasm_ref_t`: the one representation of every reference type
//! (functions, globals, tables, memories, instances, foreign objects,
//! traps and modules), so that viewing one as another is a pointer cast
//! checked by kind.

use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use runtime::{AsContextMut, Extern, ExternRef, Val};

use crate::module::ModuleData;
use crate::store::{HostInfo, ObjKey, StoreCell, StoreRef, get_host_info, set_host_info};
use crate::trap::TrapData;

/// What a reference refers to.
#[derive(Debug, Clone)]
pub(crate) enum Obj {
    /// An object of the handle's store.
    Store(ObjKey),
    Trap(Rc<TrapData>),
    Module(Arc<ModuleData>),
}

/// A handle to an object. Handles to objects of a store keep the store
/// alive; traps and modules belong to no store.
#[derive(Debug, Clone)]
pub struct wasm_ref_t {
    pub(crate) obj: Obj,
    pub(crate) store: Option<StoreRef>,
}

impl wasm_ref_t {
    pub(crate) fn in_store(store: &StoreRef, key: ObjKey) -> Box<Self> {
        Box::new(Self { obj: Obj::Store(key), store: Some(store.clone()) })
    }

    pub(crate) fn from_extern(store: &StoreRef, e: Extern) -> Box<Self> {
        let key = match e {
            Extern::Func(f) => ObjKey::Func(f),
            Extern::Global(g) => ObjKey::Global(g),
            Extern::Table(t) => ObjKey::Table(t),
            Extern::Memory(m) => ObjKey::Memory(m),
        };
        Self::in_store(store, key)
    }

    /// The store-resident object, for host info.
    fn key(&self) -> Option<ObjKey> {
        match self.obj {
            Obj::Store(key) => Some(key),
            Obj::Trap(_) | Obj::Module(_) => None,
        }
    }

    pub(crate) fn as_extern(&self) -> Option<Extern> {
        Some(match self.key()? {
            ObjKey::Func(f) => Extern::Func(f),
            ObjKey::Global(g) => Extern::Global(g),
            ObjKey::Table(t) => Extern::Table(t),
            ObjKey::Memory(m) => Extern::Memory(m),
            ObjKey::Instance(_) | ObjKey::Foreign(_) => return None,
        })
    }

    pub(crate) fn cell(&self) -> Option<&StoreCell> {
        self.store.as_deref()
    }

    /// Whether the handle's object belongs to `store`.
    pub(crate) fn is_in(&self, store: &StoreCell) -> bool {
        self.cell().is_some_and(|s| std::ptr::eq(s, store))
    }

    fn same(&self, other: &Self) -> bool {
        match (&self.obj, &other.obj) {
            (Obj::Trap(a), Obj::Trap(b)) => Rc::ptr_eq(a, b),
            (Obj::Module(a), Obj::Module(b)) => Arc::ptr_eq(a, b),
            _ => self.key().is_some() && self.key() == other.key(),
        }
    }

    fn host_info(&self) -> *mut c_void {
        match (&self.obj, self.key(), self.cell()) {
            (Obj::Trap(t), ..) => {
                t.host_info.borrow().as_ref().map_or(std::ptr::null_mut(), |h| h.data)
            }
            (Obj::Module(m), ..) => m.host_info(),
            (_, Some(key), Some(store)) => get_host_info(store, key),
            _ => std::ptr::null_mut(),
        }
    }

    fn set_host_info(&self, info: HostInfo) {
        match (&self.obj, self.key(), self.cell()) {
            (Obj::Trap(t), ..) => drop(t.host_info.replace(Some(info))),
            (Obj::Module(m), ..) => m.set_host_info(info),
            (_, Some(key), Some(store)) => set_host_info(store, key, info),
            _ => {}
        }
    }

    /// The value of a reference-typed slot holding this reference.
    pub(crate) fn to_val(
        &self,
        ctx: &mut impl AsContextMut,
        ty: runtime::RefType,
    ) -> Result<Val, String> {
        match (ty, self.key()) {
            (runtime::RefType::FuncRef, Some(ObjKey::Func(f))) => Ok(Val::FuncRef(Some(f))),
            (runtime::RefType::FuncRef, _) => Err("a funcref slot needs a function".into()),
            (runtime::RefType::ExternRef, Some(ObjKey::Foreign(e))) => Ok(Val::ExternRef(Some(e))),
            // Other objects of the store travel as externrefs wrapping them.
            (runtime::RefType::ExternRef, Some(key)) => {
                Ok(Val::ExternRef(Some(ExternRef::new(ctx, Wrapped(key)))))
            }
            (runtime::RefType::ExternRef, None) => {
                Err("traps and modules cannot be stored as externref".into())
            }
        }
    }

    /// The reference a reference-typed value holds, or `None` for null.
    pub(crate) fn from_val(
        ctx: &impl runtime::AsContext,
        store: &StoreRef,
        val: Val,
    ) -> Option<Box<Self>> {
        let key = match val {
            Val::FuncRef(Some(f)) => ObjKey::Func(f),
            Val::ExternRef(Some(e)) => match e.data(ctx).downcast_ref::<Wrapped>() {
                Some(Wrapped(key)) => *key,
                None => ObjKey::Foreign(e),
            },
            _ => return None,
        };
        Some(Self::in_store(store, key))
    }
}

/// An object of a store other than a foreign one, held by an externref.
struct Wrapped(ObjKey);

/// The value behind the externref of a `wasm_foreign_t`.
struct ForeignValue;

/// Whether a reference is of the kind a C type names.
pub(crate) type KindTest = fn(&Obj) -> bool;

pub(crate) fn is_any(_: &Obj) -> bool {
    true
}
pub(crate) fn is_func(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Func(_)))
}
pub(crate) fn is_global(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Global(_)))
}
pub(crate) fn is_table(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Table(_)))
}
pub(crate) fn is_memory(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Memory(_)))
}
pub(crate) fn is_instance(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Instance(_)))
}
pub(crate) fn is_foreign(o: &Obj) -> bool {
    matches!(o, Obj::Store(ObjKey::Foreign(_)))
}
pub(crate) fn is_trap(o: &Obj) -> bool {
    matches!(o, Obj::Trap(_))
}
pub(crate) fn is_module(o: &Obj) -> bool {
    matches!(o, Obj::Module(_))
}
pub(crate) fn is_extern(o: &Obj) -> bool {
    matches!(
        o,
        Obj::Store(ObjKey::Func(_) | ObjKey::Global(_) | ObjKey::Table(_) | ObjKey::Memory(_))
    )
}

/// `$r` if it is of the kind `$test` accepts.
pub(crate) fn checked<R: std::ops::Deref<Target = wasm_ref_t>>(
    r: Option<R>,
    test: KindTest,
) -> Option<R> {
    r.filter(|r| test(&r.obj))
}

/// The functions every reference type has: delete, copy, same and host
/// info (`WASM_DECLARE_REF_BASE`).
macro_rules! ref_base {
    ($ty:ident, $test:path, $delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(_: Option<Box<$ty>>) {}

        #[unsafe(no_mangle)]
        pub extern "C" fn $copy(r: Option<&$ty>) -> Option<Box<$ty>> {
            $crate::refs::checked(r, $test).map(|r| Box::new(r.clone()))
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $same(a: Option<&$ty>, b: Option<&$ty>) -> bool {
            $crate::refs::same(a, b)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $get(r: Option<&$ty>) -> *mut std::ffi::c_void {
            $crate::refs::get_info(r)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $set(r: Option<&mut $ty>, info: *mut std::ffi::c_void) {
            $crate::refs::set_info(r, info, None)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $set_fin(
            r: Option<&mut $ty>,
            info: *mut std::ffi::c_void,
            finalizer: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
        ) {
            $crate::refs::set_info(r, info, finalizer)
        }
    };
}
pub(crate) use ref_base;

/// The conversions of a reference type to and from `wasm_ref_t`
/// (`WASM_DECLARE_REF`): the same pointer, checked by kind.
macro_rules! ref_conversions {
    ($ty:ident, $test:path, $as_ref:ident, $as_ref_const:ident, $from_ref:ident, $from_ref_const:ident) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ref(r: Option<&mut $ty>) -> Option<&mut $crate::refs::wasm_ref_t> {
            r
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ref_const(r: Option<&$ty>) -> Option<&$crate::refs::wasm_ref_t> {
            r
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from_ref(r: Option<&mut $crate::refs::wasm_ref_t>) -> Option<&mut $ty> {
            $crate::refs::checked(r, $test)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from_ref_const(r: Option<&$crate::refs::wasm_ref_t>) -> Option<&$ty> {
            $crate::refs::checked(r, $test)
        }
    };
}
pub(crate) use ref_conversions;

pub(crate) fn same(a: Option<&wasm_ref_t>, b: Option<&wasm_ref_t>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.same(b),
        (None, None) => true,
        _ => false,
    }
}

pub(crate) fn get_info(r: Option<&wasm_ref_t>) -> *mut c_void {
    r.map_or(std::ptr::null_mut(), |r| r.host_info())
}

pub(crate) fn set_info(
    r: Option<&mut wasm_ref_t>,
    data: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    if let Some(r) = r {
        r.set_host_info(HostInfo { data, finalizer });
    }
}

ref_base!(
    wasm_ref_t,
    is_any,
    wasm_ref_delete,
    wasm_ref_copy,
    wasm_ref_same,
    wasm_ref_get_host_info,
    wasm_ref_set_host_info,
    wasm_ref_set_host_info_with_finalizer
);

/// `wasm_foreign_t`: a foreign object (an externref of the host's).
pub type wasm_foreign_t = wasm_ref_t;

ref_base!(
    wasm_foreign_t,
    is_foreign,
    wasm_foreign_delete,
    wasm_foreign_copy,
    wasm_foreign_same,
    wasm_foreign_get_host_info,
    wasm_foreign_set_host_info,
    wasm_foreign_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_foreign_t,
    is_foreign,
    wasm_foreign_as_ref,
    wasm_foreign_as_ref_const,
    wasm_ref_as_foreign,
    wasm_ref_as_foreign_const
);

#[unsafe(no_mangle)]
pub extern "C" fn wasm_foreign_new(
    store: Option<&crate::store::wasm_store_t>,
) -> Option<Box<wasm_foreign_t>> {
    let Some(store) = store else { return crate::error::fail("no store given") };
    let e = store.cell.with(|mut ctx| ExternRef::new(&mut ctx, ForeignValue))?;
    Some(wasm_ref_t::in_store(&store.cell, ObjKey::Foreign(e)))
}
