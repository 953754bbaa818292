//! Functions: handles, host functions, typed calls and `Caller`.

use std::marker::PhantomData;
use std::sync::Arc;

use wisp_environ::{FuncType, ValType};

use crate::store::StoreInner;
use crate::stored::{FuncKind, Stored};
use crate::{
    AsContext, AsContextMut, Error, Extern, ExternRef, Result, Store, StoreContext,
    StoreContextMut, Val,
};

/// A host function in the store's calling convention: parameters arrive in
/// the first cells, results are written from the first cell on.
pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &mut [u64]) -> Result<()> + Send + Sync;

/// A function in a store: defined by Wasm or by the host.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) Stored<FuncKind>);

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "func#{}", self.0.raw_index())
    }
}

impl Func {
    pub(crate) fn from_raw(store_id: u64, index: u32) -> Self {
        Self(Stored::new(store_id, index))
    }

    /// A host function that takes and returns [`Val`]s of the given type.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Func {
        let host = dynamic_host_fn(ty.clone(), f);
        store.as_context_mut().0.add_host_func(host, ty)
    }

    /// A host function from a Rust closure; parameter and result types come
    /// from the closure's signature. The closure may take a [`Caller`] first.
    ///
    /// ```
    /// # use wisp::*;
    /// let mut store = Store::new(&Engine::default(), ());
    /// let add = Func::wrap(&mut store, |a: i32, b: i32| a.wrapping_add(b));
    /// let typed = add.typed::<(i32, i32), i32>(&store).unwrap();
    /// assert_eq!(typed.call(&mut store, (2, 3)).unwrap(), 5);
    /// ```
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, host) = f.into_host_fn();
        store.as_context_mut().0.add_host_func(host, ty)
    }

    /// The function's signature.
    ///
    /// # Panics
    /// If `store` did not create the function.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        inner.func_ty(self.0.expect_in(inner)).clone()
    }

    /// Calls the function with dynamically typed arguments; `results` must
    /// have one slot per result.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let store = store.as_context_mut().0;
        let inner = &store.inner;
        let index = self.0.index_in(inner)?;
        let ty = inner.func_ty(index);
        if params.len() != ty.params().len() {
            return Err(Error::ty(format!(
                "function expects {} argument(s), got {}",
                ty.params().len(),
                params.len()
            )));
        }
        if results.len() != ty.results().len() {
            return Err(Error::ty(format!(
                "function returns {} value(s), {} slot(s) given",
                ty.results().len(),
                results.len()
            )));
        }
        let mut cells = vec![0u64; ty.param_cells().max(ty.result_cells()) as usize];
        let mut at = 0;
        for (i, (p, want)) in params.iter().zip(ty.params()).enumerate() {
            if p.ty() != *want {
                return Err(Error::ty(format!("argument {i} should be {want}, got {}", p.ty())));
            }
            p.to_cells(inner, &mut cells[at..])?;
            at += want.cells() as usize;
        }
        let result_types: Vec<ValType> = ty.results().to_vec();
        crate::call::invoke(store, index, &mut cells)?;
        let mut at = 0;
        for (slot, ty) in results.iter_mut().zip(result_types) {
            *slot = Val::from_cells(ty, store.inner.id(), &cells[at..]);
            at += ty.cells() as usize;
        }
        Ok(())
    }

    /// A statically typed view of the function; fails if the signature does
    /// not match `Params -> Results`.
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>> {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        let ty = inner.func_ty(self.0.index_in(inner)?);
        let want = FuncType::new(Params::types(), Results::types());
        if *ty != want {
            return Err(Error::ty(format!("function is {ty}, not {want}")));
        }
        Ok(TypedFunc { func: *self, _marker: PhantomData })
    }
}

pub(crate) fn dynamic_host_fn<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
) -> Arc<HostFn<T>> {
    Arc::new(move |caller: Caller<'_, T>, cells: &mut [u64]| {
        let id = caller.store.inner.id();
        let mut at = 0;
        let params: Vec<Val> = ty
            .params()
            .iter()
            .map(|&t| {
                let v = Val::from_cells(t, id, &cells[at..]);
                at += t.cells() as usize;
                v
            })
            .collect();
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let store: &mut Store<T> = caller.store;
        f(Caller { store, instance: caller.instance }, &params, &mut results)?;
        let mut at = 0;
        for (v, &t) in results.iter().zip(ty.results()) {
            if v.ty() != t {
                return Err(Error::ty(format!(
                    "host function returned a {} where {t} was declared",
                    v.ty()
                )));
            }
            v.to_cells(&store.inner, &mut cells[at..])?;
            at += t.cells() as usize;
        }
        Ok(())
    })
}

/// A function with a statically known signature: calls skip dynamic type
/// checks and [`Val`] conversions.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P, R> std::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TypedFunc").field(&self.func).finish()
    }
}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }

    /// Calls the function.
    pub fn call<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        params: Params,
    ) -> Result<Results> {
        let store = store.as_context_mut().0;
        let index = self.func.0.index_in(&store.inner)?;
        let mut cells = [0u64; 16];
        let n = Params::COUNT.max(Results::COUNT);
        if n <= cells.len() {
            params.write(&store.inner, &mut cells)?;
            crate::call::invoke(store, index, &mut cells[..n])?;
            Ok(Results::read(store.inner.id(), &cells))
        } else {
            let mut cells = vec![0u64; n];
            params.write(&store.inner, &mut cells)?;
            crate::call::invoke(store, index, &mut cells)?;
            Ok(Results::read(store.inner.id(), &cells))
        }
    }
}

/// The view a host function gets of its caller: the store (and its data)
/// and the calling instance's exports.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<u32>,
}

impl<T> std::fmt::Debug for Caller<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").field("instance", &self.instance).finish()
    }
}

impl<'a, T> Caller<'a, T> {
    /// The store's host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The store's host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The engine.
    pub fn engine(&self) -> &crate::Engine {
        self.store.engine()
    }

    /// An export of the calling instance (typically its `memory`).
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        let instance = self.instance?;
        crate::instance::export_of(&self.store.inner, instance, name)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

/// A Rust type that maps to a Wasm value type and fits one cell.
pub trait WasmTy: Sized + Send + 'static {
    /// The Wasm type.
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn into_cell(self, store: &StoreInner) -> Result<u64>;
    #[doc(hidden)]
    fn from_cell(cell: u64, store_id: u64) -> Self;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, |$v:ident| $to:expr, |$c:ident| $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType { ValType::$vt }
            fn into_cell(self, _: &StoreInner) -> Result<u64> { let $v = self; Ok($to) }
            fn from_cell($c: u64, _: u64) -> Self { $from }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| v as u32 as u64, |c| c as u32 as i32;
    u32 => I32, |v| v as u64, |c| c as u32;
    i64 => I64, |v| v as u64, |c| c as i64;
    u64 => I64, |v| v, |c| c;
    f32 => F32, |v| u64::from(v.to_bits()), |c| f32::from_bits(c as u32);
    f64 => F64, |v| v.to_bits(), |c| f64::from_bits(c);
}

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FUNCREF
    }
    fn into_cell(self, store: &StoreInner) -> Result<u64> {
        Ok(match self {
            Some(f) => u64::from(f.0.index_in(store)?) + 1,
            None => 0,
        })
    }
    fn from_cell(cell: u64, store_id: u64) -> Self {
        cell.checked_sub(1).map(|i| Func::from_raw(store_id, i as u32))
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::EXTERNREF
    }
    fn into_cell(self, store: &StoreInner) -> Result<u64> {
        Ok(match self {
            Some(e) => u64::from(e.0.index_in(store)?) + 1,
            None => 0,
        })
    }
    fn from_cell(cell: u64, store_id: u64) -> Self {
        cell.checked_sub(1).map(|i| ExternRef(Stored::new(store_id, i as u32)))
    }
}

/// Parameters of a typed function: `()`, a single [`WasmTy`] or a tuple.
pub trait WasmParams: Sized + Send + 'static {
    #[doc(hidden)]
    const COUNT: usize;
    /// The Wasm types.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn write(self, store: &StoreInner, cells: &mut [u64]) -> Result<()>;
    #[doc(hidden)]
    fn read(store_id: u64, cells: &[u64]) -> Self;
}

/// Results of a typed function; same shapes as [`WasmParams`].
pub trait WasmResults: WasmParams {}
impl<T: WasmParams> WasmResults for T {}

impl<A: WasmTy> WasmParams for A {
    const COUNT: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn write(self, store: &StoreInner, cells: &mut [u64]) -> Result<()> {
        cells[0] = self.into_cell(store)?;
        Ok(())
    }
    fn read(store_id: u64, cells: &[u64]) -> Self {
        A::from_cell(cells[0], store_id)
    }
}

macro_rules! tuple_params {
    ($n:expr; $($t:ident $i:tt),*) => {
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            const COUNT: usize = $n;
            fn types() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables)]
            fn write(self, store: &StoreInner, cells: &mut [u64]) -> Result<()> {
                $( cells[$i] = self.$i.into_cell(store)?; )*
                Ok(())
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn read(store_id: u64, cells: &[u64]) -> Self {
                ($($t::from_cell(cells[$i], store_id),)*)
            }
        }
    };
}

tuple_params!(0;);
tuple_params!(1; A 0);
tuple_params!(2; A 0, B 1);
tuple_params!(3; A 0, B 1, C 2);
tuple_params!(4; A 0, B 1, C 2, D 3);
tuple_params!(5; A 0, B 1, C 2, D 3, E 4);
tuple_params!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_params!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_params!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_params!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_params!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_params!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_params!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// What a host closure may return: results, or results in a `Result`.
pub trait WasmRet {
    #[doc(hidden)]
    type Results: WasmResults;
    #[doc(hidden)]
    fn into_result(self) -> Result<Self::Results>;
}

impl<R: WasmResults> WasmRet for R {
    type Results = R;
    fn into_result(self) -> Result<R> {
        Ok(self)
    }
}

impl<R: WasmResults> WasmRet for Result<R> {
    type Results = R;
    fn into_result(self) -> Result<R> {
        self
    }
}

/// A Rust closure usable as a host function; see [`Func::wrap`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host_fn(self) -> (FuncType, Arc<HostFn<T>>);
}

/// Marker for closures taking a [`Caller`] first.
#[doc(hidden)]
#[derive(Debug)]
pub struct WithCaller<P>(PhantomData<P>);

macro_rules! into_func {
    ($($t:ident $i:tt),*) => {
        impl<T: 'static, F, R, $($t: WasmTy),*> IntoFunc<T, ($($t,)*), R> for F
        where
            F: Fn($($t),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_host_fn(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::new(<($($t,)*) as WasmParams>::types(), R::Results::types());
                let f = Arc::new(move |caller: Caller<'_, T>, cells: &mut [u64]| {
                    let id = caller.store.inner.id();
                    #[allow(unused_variables)]
                    let params = <($($t,)*) as WasmParams>::read(id, cells);
                    let results = (self)($(params.$i),*).into_result()?;
                    results.write(&caller.store.inner, cells)
                });
                (ty, f)
            }
        }

        impl<T: 'static, F, R, $($t: WasmTy),*> IntoFunc<T, WithCaller<($($t,)*)>, R> for F
        where
            F: Fn(Caller<'_, T>, $($t),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_host_fn(self) -> (FuncType, Arc<HostFn<T>>) {
                let ty = FuncType::new(<($($t,)*) as WasmParams>::types(), R::Results::types());
                let f = Arc::new(move |caller: Caller<'_, T>, cells: &mut [u64]| {
                    let id = caller.store.inner.id();
                    #[allow(unused_variables)]
                    let params = <($($t,)*) as WasmParams>::read(id, cells);
                    let store: &mut Store<T> = caller.store;
                    let results = (self)(Caller { store: &mut *store, instance: caller.instance }, $(params.$i),*).into_result()?;
                    results.write(&store.inner, cells)
                });
                (ty, f)
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0, B 1);
into_func!(A 0, B 1, C 2);
into_func!(A 0, B 1, C 2, D 3);
into_func!(A 0, B 1, C 2, D 3, E 4);
into_func!(A 0, B 1, C 2, D 3, E 4, F1 5);
into_func!(A 0, B 1, C 2, D 3, E 4, F1 5, G 6);
into_func!(A 0, B 1, C 2, D 3, E 4, F1 5, G 6, H 7);
into_func!(A 0, B 1, C 2, D 3, E 4, F1 5, G 6, H 7, I 8);
into_func!(A 0, B 1, C 2, D 3, E 4, F1 5, G 6, H 7, I 8, J 9);
