import { describe, expect, it } from 'vitest';
import { stripShellComments } from './strip-comments.ts';

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
