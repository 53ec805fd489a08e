import { describe, expect, it } from 'vitest';
import { stripShellComments, stripSqlComments } from './strip-comments.ts';

describe('stripShellComments', () => {
  it('when a script has comment lines, then they go and the shebang and code stay', () => {
    expect(stripShellComments('#!/bin/bash\n# why\nset -eu\n  # indented\necho "a # b" # trailing\n')).toBe(
      '#!/bin/bash\nset -eu\necho "a # b" # trailing\n',
    );
  });

  it('when a heredoc holds lines starting with #, then the heredoc is kept whole', () => {
    const script = "#!/bin/bash\ncat >f <<'CONF'\n# kept\nx\nCONF\n# dropped\ncat <<EOF\n#kept too\nEOF\n";
    expect(stripShellComments(script)).toBe(
      "#!/bin/bash\ncat >f <<'CONF'\n# kept\nx\nCONF\ncat <<EOF\n#kept too\nEOF\n",
    );
  });
});

describe('stripSqlComments', () => {
  it('when an SQL file has comment lines, then they go and statements with -- later on the line stay', () => {
    expect(
      stripSqlComments("-- why\n\\set ON_ERROR_STOP on\n  -- indented\nSELECT '--x'; -- trailing\n"),
    ).toBe("\\set ON_ERROR_STOP on\nSELECT '--x'; -- trailing\n");
  });
});
