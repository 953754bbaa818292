//! The linker: names host functions and instances so modules can import them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use wisp_environ::{FuncType, ImportKind};

use crate::func::HostFn;
use crate::{
    AsContext, AsContextMut, Caller, Engine, Error, Extern, Instance, IntoFunc, Module, Result,
    Store, Val,
};

/// A definition the linker can supply.
enum Definition<T> {
    /// An item already in a store.
    Extern(Extern),
    /// A host function not yet placed in any store, with its signature
    /// and the signature's engine id (found once, here, rather than at
    /// every instantiation).
    HostFunc(Arc<HostFn<T>>, Arc<FuncType>, u32),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(f, ty, id) => Definition::HostFunc(f.clone(), ty.clone(), *id),
        }
    }
}

/// Resolves a module's imports by name: host functions defined with
/// [`func_wrap`](Linker::func_wrap), items from a store, and the exports of
/// other instances.
///
/// ```
/// # use wisp::*;
/// # fn main() -> Result<()> {
/// let engine = Engine::default();
/// let module = Module::new(&engine, r#"
///     (module
///       (import "host" "double" (func $double (param i32) (result i32)))
///       (func (export "quadruple") (param i32) (result i32)
///         (call $double (call $double (local.get 0)))))
/// "#)?;
/// let mut linker = Linker::new(&engine);
/// linker.func_wrap("host", "double", |x: i32| x * 2)?;
/// let mut store = Store::new(&engine, ());
/// let instance = linker.instantiate(&mut store, &module)?;
/// let quadruple = instance.get_typed_func::<i32, i32>(&store, "quadruple")?;
/// assert_eq!(quadruple.call(&mut store, 5)?, 20);
/// # Ok(()) }
/// ```
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> std::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linker").field("definitions", &self.defs.len()).finish()
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for modules of `engine`.
    pub fn new(engine: &Engine) -> Self {
        Self { engine: engine.clone(), defs: HashMap::new(), allow_shadowing: false }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same
    /// name (default: no, redefinition is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self> {
        // One lookup, not two: WASI alone defines dozens of names per linker.
        match self.defs.entry((module.to_string(), name.to_string())) {
            Entry::Occupied(_) if !self.allow_shadowing => {
                return Err(Error::link(format!("`{module}::{name}` is already defined")));
            }
            Entry::Occupied(mut slot) => {
                slot.insert(def);
            }
            Entry::Vacant(slot) => {
                slot.insert(def);
            }
        }
        Ok(self)
    }

    /// Defines `module::name` as an item of a store.
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        let item = item.into();
        item.index_in(store.as_context().inner_ref())?;
        self.insert(module, name, Definition::Extern(item))
    }

    /// Defines `module::name` as a host function from a Rust closure; see
    /// [`Func::wrap`](crate::Func::wrap).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, host) = f.into_host_fn();
        self.insert_host(module, name, host, ty)
    }

    /// Defines `module::name` as a host function over dynamically typed
    /// values; see [`Func::new`](crate::Func::new).
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let host = crate::func::dynamic_host_fn(ty.clone(), f);
        self.insert_host(module, name, host, ty)
    }

    fn insert_host(
        &mut self,
        module: &str,
        name: &str,
        host: Arc<HostFn<T>>,
        ty: FuncType,
    ) -> Result<&mut Self> {
        let id = self.engine.type_id(&ty);
        self.insert(module, name, Definition::HostFunc(host, Arc::new(ty), id))
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, item) in instance.exports(&store) {
            self.insert(module, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    /// The item defined as `module::name`, placing a host function into the
    /// store if needed.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(materialize(store.as_context_mut().0, def))
    }

    /// Resolves and type-checks the imports of `module` once, so it can be
    /// instantiated repeatedly without name lookups.
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>> {
        if !Engine::same(&self.engine, module.engine()) {
            return Err(Error::link("module and linker belong to different engines"));
        }
        let mut defs = Vec::with_capacity(module.info().imports.len());
        for import in &module.info().imports {
            let key = (import.module.clone(), import.name.clone());
            let def = self.defs.get(&key).ok_or_else(|| {
                Error::link(format!(
                    "unknown import: `{}::{}` has not been defined",
                    import.module, import.name
                ))
            })?;
            if let (Definition::HostFunc(_, ty, _), ImportKind::Func(t)) = (def, &import.kind) {
                let want = &module.info().types[*t as usize];
                if **ty != *want {
                    return Err(Error::link(format!(
                        "incompatible import type for `{}::{}`: expected {want}, found {ty}",
                        import.module, import.name
                    )));
                }
            }
            defs.push(def.clone());
        }
        Ok(InstancePre { module: module.clone(), defs: defs.into() })
    }

    /// Instantiates `module`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        self.instantiate_pre(module)?.instantiate(store.as_context_mut().0)
    }
}

fn materialize<T>(store: &mut Store<T>, def: &Definition<T>) -> Extern {
    match def {
        Definition::Extern(e) => *e,
        Definition::HostFunc(f, ty, id) => {
            Extern::Func(store.add_typed_host_func(f.clone(), ty.clone(), *id))
        }
    }
}

/// A module with its imports resolved and type-checked: instantiating it
/// does no name lookups.
pub struct InstancePre<T> {
    module: Module,
    defs: Arc<[Definition<T>]>,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        Self { module: self.module.clone(), defs: self.defs.clone() }
    }
}

impl<T> std::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstancePre").field("module", &self.module).finish()
    }
}

impl<T> InstancePre<T> {
    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiates the module in `store`.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>) -> Result<Instance> {
        let store = store.as_context_mut().0;
        let imports: Vec<Extern> = self.defs.iter().map(|d| materialize(store, d)).collect();
        crate::instance::instantiate(store, &self.module, &imports)
    }
}
