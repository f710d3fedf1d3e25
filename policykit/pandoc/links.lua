-- Bare email and web addresses in a document's text become links, their text exactly as written.
--   local linkify = dofile('links.lua').linkify; doc.blocks = linkify(doc.blocks)
-- Settings values arrive as escaped, literal text, so an address in a school's settings is a
-- word (a Str) of the parsed document, like one typed in a clause. A word becomes a link only
-- when, without the punctuation around it, it is wholly an email address of a strict shape
-- (link: mailto:<the address>) or an http:// or https:// address of a strict shape (link: the
-- address itself); anything else stays text. So no link this makes can go anywhere but a
-- mailbox or a web page, and no text changes. policykit/core/addresses.py holds the same rules
-- for the pages the site writes itself; tests check the two agree.
local M = {}

local OPENING = {'(', '[', '"', "'", '<', '\u{201C}', '\u{2018}'}
local CLOSING = {'.', ',', ';', ':', '!', '?', ')', ']', '"', "'", '>', '\u{201D}', '\u{2019}'}

local function label_ok(s)
  return #s >= 1 and #s <= 63 and s:match('^[%w-]+$') ~= nil and s:sub(1, 1) ~= '-' and s:sub(-1) ~= '-'
end

local function domain_ok(d)
  if #d > 253 then return false end
  local labels = {}
  for label in (d .. '.'):gmatch('([^.]*)%.') do labels[#labels + 1] = label end
  if #labels < 2 then return false end
  for _, label in ipairs(labels) do
    if not label_ok(label) then return false end
  end
  return labels[#labels]:match('^%a%a+$') ~= nil
end

local function email_ok(s)
  local at = s:find('@', 1, true)
  if not at or s:find('@', at + 1, true) or #s > 254 then return false end
  local user, domain = s:sub(1, at - 1), s:sub(at + 1)
  if #user < 1 or #user > 64 then return false end
  for part in (user .. '.'):gmatch('([^.]*)%.') do
    if not part:match('^[%w_%%+-]+$') then return false end
  end
  return domain_ok(domain)
end

local function url_ok(s)
  local rest = s:match('^[hH][tT][tT][pP][sS]?://(.*)$')
  if not rest then return false end
  local host, tail = rest:match('^([^/?#]*)(.*)$')
  local name, port = host:match('^(.-):(%d+)$')
  if name then host = name end
  if port and #port > 5 then return false end
  return domain_ok(host) and tail:match("^[%w%-._~/%%?#=&+:@!$,;*]*$") ~= nil
end

-- the word without the punctuation before and after it: (lead, core, trail)
function M.peel(text)
  local lead, trail = '', ''
  local again = true
  while again do
    again = false
    for _, mark in ipairs(OPENING) do
      if #text > #mark and text:sub(1, #mark) == mark then
        lead, text, again = lead .. mark, text:sub(#mark + 1), true
      end
    end
  end
  again = true
  while again do
    again = false
    for _, mark in ipairs(CLOSING) do
      if #text > #mark and text:sub(-#mark) == mark then
        trail, text, again = mark .. trail, text:sub(1, -#mark - 1), true
      end
    end
  end
  return lead, text, trail
end

-- the link a word's address goes to, or nil
function M.target(core)
  if email_ok(core) then return 'mailto:' .. core end
  if url_ok(core) then return core end
  return nil
end

-- Each list of inlines, before its elements: a word holding an address becomes (text, link, text);
-- the traversal then meets the new link and, like every link, does not go inside it.
local function words(inlines)
  local out = pandoc.Inlines{}
  for _, el in ipairs(inlines) do
    local lead, core, trail, target
    if el.t == 'Str' then
      lead, core, trail = M.peel(el.text)
      target = M.target(core)
    end
    if target then
      if lead ~= '' then out:insert(pandoc.Str(lead)) end
      out:insert(pandoc.Link({pandoc.Str(core)}, target))
      if trail ~= '' then out:insert(pandoc.Str(trail)) end
    else
      out:insert(el)
    end
  end
  return out
end

local function stop(el) return el, false end

-- Headings stay plain (they are the contents list's own links); so do code and existing links.
local filter = {
  traverse = 'topdown',
  Header = stop, Link = stop, Code = stop, CodeBlock = stop,
  Inlines = words,
}

function M.linkify(blocks)
  return blocks:walk(filter)
end

return M
