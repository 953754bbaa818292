/* lua: the Lua 5.4 interpreter running a script of ours that does real
 * work in Lua: a prime sieve, a word-frequency count with string
 * functions, objects with metatables, n-queens, a sort with a Lua
 * comparator, and a small bytecode interpreter written in Lua. */
#include "common.h"
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static const char script[] =
    "local out = {}\n"
    "local function say(...) out[#out + 1] = table.concat({...}, ' ') end\n"
    /* Sieve of Eratosthenes. */
    "local function sieve(n)\n"
    "  local comp, count, sum = {}, 0, 0\n"
    "  for i = 2, n do\n"
    "    if not comp[i] then\n"
    "      count = count + 1; sum = sum + i\n"
    "      for j = i * i, n, i do comp[j] = true end\n"
    "    end\n"
    "  end\n"
    "  return count, sum\n"
    "end\n"
    "say('primes', sieve(150000))\n"
    /* Word frequencies over a text built from the driver's words. */
    "local rng = 12345\n"
    "local function rand(n) rng = (rng * 1103515245 + 12345) % 2147483648; return rng % n + 1 end\n"
    "local parts = {}\n"
    "for i = 1, 20000 do parts[i] = WORDS[rand(#WORDS)] end\n"
    "local text = table.concat(parts, ' ')\n"
    "local freq = {}\n"
    "for w in text:gmatch('%a+') do local k = w:lower(); freq[k] = (freq[k] or 0) + 1 end\n"
    "local keys = {}\n"
    "for k in pairs(freq) do keys[#keys + 1] = k end\n"
    "table.sort(keys, function(a, b) if freq[a] ~= freq[b] then return freq[a] > freq[b] end return a < b end)\n"
    "say('words', #keys, keys[1], freq[keys[1]], keys[#keys], freq[keys[#keys]])\n"
    "local upper = text:gsub('(%a)(%a*)', function(a, b) return a:upper() .. b end)\n"
    "say('capitalised', #upper, upper:sub(1, 40))\n"
    /* Objects with metatables: 2-D vectors, summed and normalised. */
    "local V = {}\n"
    "V.__index = V\n"
    "V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end\n"
    "V.__mul = function(a, s) return setmetatable({x = a.x * s, y = a.y * s}, V) end\n"
    "function V.new(x, y) return setmetatable({x = x, y = y}, V) end\n"
    "function V:dot(o) return self.x * o.x + self.y * o.y end\n"
    "local acc = V.new(0, 0)\n"
    "for i = 1, 80000 do\n"
    "  local v = V.new(i % 17 - 8, i % 13 - 6) * 0.5\n"
    "  acc = acc + v\n"
    "  if acc:dot(acc) > 1e6 then acc = acc * 0.25 end\n"
    "end\n"
    "say('vectors', string.format('%.6f %.6f', acc.x, acc.y))\n"
    /* N-queens by backtracking. */
    "local function queens(n)\n"
    "  local cols, d1, d2, count = {}, {}, {}, 0\n"
    "  local function place(r)\n"
    "    if r > n then count = count + 1; return end\n"
    "    for c = 1, n do\n"
    "      if not cols[c] and not d1[r + c] and not d2[r - c + n] then\n"
    "        cols[c], d1[r + c], d2[r - c + n] = true, true, true\n"
    "        place(r + 1)\n"
    "        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  place(1)\n"
    "  return count\n"
    "end\n"
    "say('queens', queens(8))\n"
    /* Records sorted with a comparator closure. */
    "local recs = {}\n"
    "for i = 1, 10000 do recs[i] = {id = i, key = rand(1000), name = WORDS[rand(#WORDS)]} end\n"
    "table.sort(recs, function(a, b)\n"
    "  if a.key ~= b.key then return a.key < b.key end\n"
    "  if a.name ~= b.name then return a.name < b.name end\n"
    "  return a.id < b.id end)\n"
    "say('sorted', recs[1].id, recs[5000].id, recs[10000].id)\n"
    /* A tiny stack machine, interpreted in Lua: sums i*i mod 7 for i below 40,000. */
    "local prog = {\n"
    "  {'push', 0}, {'store', 1}, {'push', 0}, {'store', 2},\n"
    "  {'load', 2}, {'push', 40000}, {'lt'}, {'jz', 22},\n"
    "  {'load', 1}, {'load', 2}, {'load', 2}, {'mul'}, {'push', 7}, {'mod'}, {'add'}, {'store', 1},\n"
    "  {'load', 2}, {'push', 1}, {'add'}, {'store', 2}, {'jmp', 5}, {'halt'},\n"
    "}\n"
    "local function run(p)\n"
    "  local st, sp, mem, pc = {}, 0, {}, 1\n"
    "  while true do\n"
    "    local ins = p[pc]; local op = ins[1]; pc = pc + 1\n"
    "    if op == 'push' then sp = sp + 1; st[sp] = ins[2]\n"
    "    elseif op == 'load' then sp = sp + 1; st[sp] = mem[ins[2]]\n"
    "    elseif op == 'store' then mem[ins[2]] = st[sp]; sp = sp - 1\n"
    "    elseif op == 'add' then st[sp - 1] = st[sp - 1] + st[sp]; sp = sp - 1\n"
    "    elseif op == 'mul' then st[sp - 1] = st[sp - 1] * st[sp]; sp = sp - 1\n"
    "    elseif op == 'mod' then st[sp - 1] = st[sp - 1] % st[sp]; sp = sp - 1\n"
    "    elseif op == 'lt' then st[sp - 1] = (st[sp - 1] < st[sp]) and 1 or 0; sp = sp - 1\n"
    "    elseif op == 'jz' then if st[sp] == 0 then pc = ins[2] end; sp = sp - 1\n"
    "    elseif op == 'jmp' then pc = ins[2]\n"
    "    elseif op == 'halt' then return mem[1] end\n"
    "  end\n"
    "end\n"
    "say('machine', run(prog))\n"
    "return table.concat(out, '\\n')\n";

int main(void) {
    lua_State *L = luaL_newstate();
    check(L != NULL, "luaL_newstate");
    /* Only the libraries the script uses: no io, os or package. */
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    lua_createtable(L, (int)CORPUS_NWORDS, 0);
    for (size_t i = 0; i < CORPUS_NWORDS; i++) {
        lua_pushstring(L, corpus_words[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setglobal(L, "WORDS");

    bench_start();
    if (luaL_loadbuffer(L, script, sizeof script - 1, "=corpus") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        return 1;
    }
    bench_end();
    printf("%s\n", lua_tostring(L, -1));
    lua_close(L);
    return 0;
}
