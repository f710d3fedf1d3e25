-- Page layout that the Markdown does not carry, applied to the parsed document per format.
-- Every piece of text here comes from the document (metadata or body), so the writers
-- escape it; the only raw output is fixed Word markup (page breaks, fields) with no data in it.
--   local layout = dofile('layout.lua'); doc = layout(doc, format, variables)

local M = {}

-- Word markup with no data in it: a page break, the contents field (docx_finish.py fills in
-- its entries from the headings), page-number fields and line breaks that make room to sign.
local PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
local CONTENTS = table.concat{
  '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/>',
  '</w:docPartObj></w:sdtPr><w:sdtContent>',
  '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>Contents</w:t></w:r></w:p>',
  '<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>',
  '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>',
  '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',
  '</w:sdtContent></w:sdt>',
}
local TAB = '<w:r><w:tab/></w:r>'
local COVER_RULE = '<w:p><w:pPr><w:pStyle w:val="CoverRule"/></w:pPr></w:p>'  -- the short accent line
local SIGN_HERE = '<w:r><w:br/></w:r><w:r><w:br/></w:r>'  -- two empty lines to sign on

local function field(code)
  return table.concat{
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
    '<w:r><w:instrText xml:space="preserve"> ', code, ' </w:instrText></w:r>',
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>',
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
  }
end

local function inlines(value)
  if value == nil then return pandoc.Inlines{} end
  if pandoc.utils.type(value) == 'Inlines' then return value end
  return pandoc.Inlines(pandoc.utils.stringify(value))
end

local function styled(style, content)
  return pandoc.Div({pandoc.Para(content)}, pandoc.Attr('', {}, {['custom-style'] = style}))
end

local function raw(xml)
  return pandoc.RawInline('openxml', xml)
end

-- The `.draft-banner` Div the frame writes for a document not yet approved: every format
-- shows it on the cover, so it leaves the body and becomes metadata.
local function take_banner(doc)
  local blocks = pandoc.Blocks{}
  local banner
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Div' and block.classes:includes('draft-banner') and not banner then
      banner = block.content
    else
      blocks:insert(block)
    end
  end
  doc.blocks = blocks
  if banner then doc.meta['draft-note'] = pandoc.MetaBlocks(banner) end
  return doc
end

-- Walking a whole document marshals every element between pandoc and Lua: the costliest part
-- of a conversion after the writers. The layout only touches blocks at the top of the body
-- and inside Divs and lists (clause bodies hold no deeper structure), so it visits just those.

-- The Divs of class `name` at the top of the body, or inside other Divs.
local function each_div(blocks, name, fn)
  for _, block in ipairs(blocks) do
    if block.t == 'Div' then
      if block.classes:includes(name) then fn(block) else each_div(block.content, name, fn) end
    end
  end
end

-- The tables directly inside a Div.
local function each_table(div, fn)
  for _, block in ipairs(div.content) do
    if block.t == 'Table' then fn(block) end
  end
end

-- Signature and date cells of the approval block get room to sign in.
local function signature_space(doc, cell_content)
  each_div(doc.blocks, 'signatures', function(div)
    each_table(div, function(tbl)
      for _, body in ipairs(tbl.bodies) do
        for _, row in ipairs(body.body) do
          for _, cell in ipairs(row.cells) do
            if #cell.contents == 0 then cell.contents = cell_content() end
          end
        end
      end
    end)
  end)
  return doc
end

-- Each division of a combined document (a policy it includes, headed by that policy's title)
-- starts on a new page, so a handbook's policies can be printed or read one at a time.
local function divisions(doc, page_break)
  local blocks = pandoc.Blocks{}
  for i, block in ipairs(doc.blocks) do
    if block.t == 'Header' and block.classes:includes('division') and i > 1 then
      blocks:insert(page_break)
    end
    blocks:insert(block)
  end
  doc.blocks = blocks
  return doc
end

local function docx(doc, vars)
  local meta = doc.meta
  local cover = pandoc.Blocks{}
  if vars.logo then
    local alt = inlines(meta.trust):clone()
    alt:insert(pandoc.Str(' logo'))
    -- the picture goes in under its file name alone: Word records an image's source in the file,
    -- and the builder's own path would make the same trust build different bytes on each machine
    local name = tostring(vars.logo):match('[^/\\]+$')
    local mime, contents = pandoc.mediabag.fetch(tostring(vars.logo))
    pandoc.mediabag.insert(name, mime, contents)
    cover:insert(styled('Cover Logo', {pandoc.Image(alt, name, '', pandoc.Attr('', {}, {height = '2cm'}))}))
  end
  cover:insert(styled('Cover Trust', inlines(meta.trust)))
  cover:insert(styled('Cover Title', inlines(meta.title)))
  cover:insert(styled('Cover School', inlines(meta.school)))
  cover:insert(pandoc.RawBlock('openxml', COVER_RULE))
  if meta['draft-note'] then
    cover:insert(pandoc.Div(meta['draft-note'], pandoc.Attr('', {}, {['custom-style'] = 'Draft Banner'})))
  end
  for _, row in ipairs{{'Version', 'policy-version'}, {'Library release', 'library-release'},
                        {'Status', 'approval-status'}, {'review-label', 'review-date'}} do
    -- a label from the metadata (a draft's 'First approval due by'), else the name given
    local label = meta[row[1]] and pandoc.utils.stringify(meta[row[1]]) or row[1]
    local line = pandoc.Inlines{pandoc.Strong(label), raw(TAB)}
    line:extend(inlines(meta[row[2]]))
    cover:insert(styled('Cover Detail', line))
  end
  cover:insert(pandoc.RawBlock('openxml', PAGE_BREAK))
  cover:insert(pandoc.RawBlock('openxml', CONTENTS))
  cover:insert(pandoc.RawBlock('openxml', PAGE_BREAK))

  -- running header and footer: docx_finish.py moves these two paragraphs into header1/footer1
  local header = inlines(meta.school):clone()
  header:insert(pandoc.Str(' · '))
  header:extend(inlines(meta.title))
  if meta.approved ~= true then  -- as policy.typ: only an approved text goes unmarked
    header:insert(raw(TAB))
    header:insert(pandoc.Span(inlines(meta['approval-status']), pandoc.Attr('', {}, {['custom-style'] = 'Draft Mark'})))
  end
  local footer = pandoc.Inlines{pandoc.Str('Version ')}
  footer:extend(inlines(meta['policy-version']))
  footer:insert(pandoc.Str(' · '))
  footer:extend(inlines(meta['review-label']))
  footer:insert(pandoc.Space())
  footer:extend(inlines(meta['review-date']))
  footer:extend{raw(TAB), pandoc.Str('Page '), raw(field('PAGE')), pandoc.Str(' of '), raw(field('NUMPAGES'))}

  doc = signature_space(doc, function() return {pandoc.Plain{raw(SIGN_HERE)}} end)
  doc = divisions(doc, pandoc.RawBlock('openxml', PAGE_BREAK))
  local blocks = cover
  blocks:extend(doc.blocks)
  blocks:insert(styled('Running Header', header))
  blocks:insert(styled('Running Footer', footer))
  doc.blocks = blocks
  return doc
end

local function introduced(block)
  if block.t == 'Table' or block.t == 'BulletList' or block.t == 'OrderedList' then return true end
  return block.t == 'Div' and #block.content > 0 and introduced(block.content[1])
end

-- A paragraph that introduces a table or a list ("Do:") never ends a page without it (Word:
-- keepNext in docx_finish.py). Inner lists first, as a walk would: whether a block introduces
-- the next one is judged on the next one as it finally is.
local function sticky(blocks)
  for _, block in ipairs(blocks) do
    if block.t == 'Div' or block.t == 'BlockQuote' then
      block.content = sticky(block.content)
    elseif block.t == 'BulletList' or block.t == 'OrderedList' then
      for j, item in ipairs(block.content) do block.content[j] = sticky(item) end
    end
  end
  local out = pandoc.Blocks{}
  for i, block in ipairs(blocks) do
    if (block.t == 'Para' or block.t == 'Plain') and blocks[i + 1] and introduced(blocks[i + 1]) then
      block = pandoc.Div({block}, pandoc.Attr('', {}, {['typst:sticky'] = 'true'}))
    end
    out:insert(block)
  end
  return out
end

local function typst(doc)
  doc = divisions(doc, pandoc.RawBlock('typst', '#pagebreak(weak: true)'))
  each_div(doc.blocks, 'signatures', function(div)
    each_table(div, function(t) t.attr.attributes['typst:rows'] = '(auto, 1.4cm)' end)
  end)
  doc.blocks = sticky(doc.blocks)
  return doc
end

-- The headings, at the top of the body or inside Divs.
local function headers(blocks, fn)
  for _, block in ipairs(blocks) do
    if block.t == 'Header' then fn(block) elseif block.t == 'Div' then headers(block.content, fn) end
  end
end

local function html(doc)
  -- the page title is the one <h1>; the policy's own headings start at <h2>
  headers(doc.blocks, function(h) h.level = h.level + 1 end)
  return doc
end

function M.layout(doc, format, vars)
  vars = vars or {}
  doc = take_banner(doc)
  if format == 'docx' then return docx(doc, vars) end
  if format == 'typst' then return typst(doc) end
  if format == 'html5' or format == 'html' then return html(doc) end
  return doc
end

return M
