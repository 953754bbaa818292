//! `wasm_func_t`: host functions from C callbacks, and calls.

use std::ffi::c_void;

use runtime::{Caller, Error, Func, FuncType, Val};

use crate::error::fail;
use crate::refs::{Obj, is_func, ref_base, ref_conversions, wasm_ref_t};
use crate::store::ObjKey;
use crate::store::{StoreCell, StoreData, wasm_store_t};
use crate::trap::{HostTrap, wasm_trap_t};
use crate::types::{wasm_externtype_t, wasm_functype_t};
use crate::val::{wasm_val_t, wasm_val_vec_t};

/// `wasm_func_t`: a reference to a function.
pub type wasm_func_t = wasm_ref_t;

ref_base!(
    wasm_func_t,
    is_func,
    wasm_func_delete,
    wasm_func_copy,
    wasm_func_same,
    wasm_func_get_host_info,
    wasm_func_set_host_info,
    wasm_func_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_func_t,
    is_func,
    wasm_func_as_ref,
    wasm_func_as_ref_const,
    wasm_ref_as_func,
    wasm_ref_as_func_const
);

pub(crate) type Callback =
    unsafe extern "C" fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> Option<Box<wasm_trap_t>>;
pub(crate) type CallbackWithEnv = unsafe extern "C" fn(
    *mut c_void,
    *const wasm_val_vec_t,
    *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>>;

/// What a host function calls, and what it needs to do so.
pub(crate) struct HostCallback {
    call: Call,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

pub(crate) enum Call {
    Plain(Callback),
    WithEnv(CallbackWithEnv),
}

// SAFETY: a host function runs only on the thread using its store (a store
// and its objects belong to one thread at a time, as wasm.h says), so the
// raw pointers it holds are never used from two threads at once.
unsafe impl Send for HostCallback {}
// SAFETY: as above.
unsafe impl Sync for HostCallback {}

impl Drop for HostCallback {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: the finalizer the C caller gave for `env`, called once,
            // when the function (owned by its store) goes.
            unsafe { finalize(self.env) }
        }
    }
}

impl HostCallback {
    pub(crate) fn new(
        call: Call,
        env: *mut c_void,
        finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> Self {
        Self { call, env, finalizer }
    }

    pub(crate) fn invoke(
        &self,
        mut caller: Caller<'_, StoreData>,
        params: &[Val],
        results: &mut [Val],
    ) -> runtime::Result<()> {
        // The store is alive while its functions run.
        let store = caller
            .data()
            .cell
            .upgrade()
            .ok_or_else(|| Error::host(HostTrap("the store is gone".into())))?;
        let cell = &*store;
        let args: Vec<wasm_val_t> =
            params.iter().map(|&v| wasm_val_t::from_val(&caller, &store, v)).collect();
        let args = wasm_val_vec_t::from_vec(args);
        let mut out = wasm_val_vec_t::from_vec(
            results.iter().map(|v| wasm_val_t::blank_of(v.ty())).collect(),
        );
        let trap = cell.enter_host(&mut caller, || match self.call {
            // SAFETY: the C callback's contract: it reads `args` and
            // writes `out`, both valid for the call.
            Call::Plain(f) => unsafe { f(&args, &mut out) },
            // SAFETY: as above, with the `env` the caller registered.
            Call::WithEnv(f) => unsafe { f(self.env, &args, &mut out) },
        });
        if let Some(trap) = trap {
            let message = trap
                .trap()
                .map_or_else(|| "host function failed".to_string(), |t| t.message.clone());
            return Err(Error::host(HostTrap(message)));
        }
        let mut ctx = runtime::AsContextMut::as_context_mut(&mut caller);
        for (slot, v) in results.iter_mut().zip(out.as_slice()) {
            *slot = v
                .to_val(&mut ctx, cell, slot.ty())
                .map_err(|e| Error::host(HostTrap(format!("host function result: {e}"))))?;
        }
        Ok(())
    }
}

fn new_func(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    call: Call,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> Option<Box<wasm_func_t>> {
    // Made first, so that a failure below still finalizes `env`.
    let host = HostCallback::new(call, env, finalizer);
    let Some(store) = store else { return fail("no store given") };
    let Some(ty) = ty.and_then(wasm_externtype_t::func_type) else {
        return fail("no function type given");
    };
    let func = store.cell.with(|ctx| {
        Func::new(ctx, ty, move |caller, params, results| host.invoke(caller, params, results))
    })?;
    Some(wasm_ref_t::in_store(&store.cell, ObjKey::Func(func)))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_new(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    callback: Option<Callback>,
) -> Option<Box<wasm_func_t>> {
    let Some(callback) = callback else { return fail("no callback given") };
    new_func(store, ty, Call::Plain(callback), std::ptr::null_mut(), None)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_new_with_env(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_functype_t>,
    callback: Option<CallbackWithEnv>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> Option<Box<wasm_func_t>> {
    let Some(callback) = callback else {
        // The environment is ours now: finalize it, as the function would.
        drop(HostCallback::new(Call::Plain(noop), env, finalizer));
        return fail("no callback given");
    };
    new_func(store, ty, Call::WithEnv(callback), env, finalizer)
}

unsafe extern "C" fn noop(
    _: *const wasm_val_vec_t,
    _: *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>> {
    None
}

impl wasm_ref_t {
    /// The function and its store, if this is a function.
    fn func(&self) -> Option<(Func, &StoreCell)> {
        match (&self.obj, self.cell()) {
            (Obj::Store(ObjKey::Func(f)), Some(store)) => Some((*f, store)),
            _ => None,
        }
    }

    fn func_ty(&self) -> Option<FuncType> {
        let (f, store) = self.func()?;
        store.with(|ctx| f.ty(ctx))
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_type(f: Option<&wasm_func_t>) -> Option<Box<wasm_functype_t>> {
    let ty = f?.func_ty()?;
    wasm_externtype_t::boxed(&runtime::ExternType::Func(ty))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_param_arity(f: Option<&wasm_func_t>) -> usize {
    f.and_then(|f| f.func_ty()).map_or(0, |t| t.params().len())
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_result_arity(f: Option<&wasm_func_t>) -> usize {
    f.and_then(|f| f.func_ty()).map_or(0, |t| t.results().len())
}

/// Calls `f`; a trap, a type error or a wrong number of arguments or
/// result slots comes back as a trap (whose message says which).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_func_call(
    f: Option<&wasm_func_t>,
    args: Option<&wasm_val_vec_t>,
    results: Option<&mut wasm_val_vec_t>,
) -> Option<Box<wasm_trap_t>> {
    let Some(func) = f else { return Some(message_trap("no function given")) };
    let Some((f, cell)) = func.func() else { return Some(message_trap("not a function")) };
    let store = func.store.clone()?;
    let args = args.map_or(&[][..], |a| a.as_slice());
    let mut empty = wasm_val_vec_t::default();
    let results = results.unwrap_or(&mut empty);
    let outcome = cell.with(|mut ctx| -> Result<(), Box<wasm_trap_t>> {
        let ty = f.ty(&ctx);
        if args.len() != ty.params().len() || results.as_slice().len() != ty.results().len() {
            return Err(message_trap(&format!(
                "function {ty} called with {} argument(s) and {} result slot(s)",
                args.len(),
                results.as_slice().len()
            )));
        }
        let mut params = Vec::with_capacity(args.len());
        for (i, (a, want)) in args.iter().zip(ty.params()).enumerate() {
            params.push(
                a.to_val(&mut ctx, cell, *want)
                    .map_err(|e| message_trap(&format!("argument {i}: {e}")))?,
            );
        }
        let mut out: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        f.call(&mut ctx, &params, &mut out)
            .map_err(|e| wasm_ref_t::from_error(&e, Some(&store)))?;
        for (slot, v) in results.as_mut_slice().iter_mut().zip(out) {
            wasm_val_t::from_val(&ctx, &store, v).write_to(slot);
        }
        Ok(())
    });
    match outcome {
        Some(Ok(())) => None,
        Some(Err(trap)) => Some(trap),
        None => Some(message_trap(crate::store::BUSY)),
    }
}

/// A trap for a call that could not be made, also recorded as the last
/// error.
pub(crate) fn message_trap(message: &str) -> Box<wasm_trap_t> {
    crate::error::set_last_error(message);
    wasm_ref_t::new_trap(message.to_string(), Vec::new(), None)
}
