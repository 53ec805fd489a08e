/**
 * The seam between project deletion and the Studio front: `deleteProject` (projects.ts) stops
 * the deleted project's Studio through it at once, instead of leaving it to the idle sweep with
 * the deleted project's keys. The front, started after the routes' dependencies exist, attaches
 * its pool here; until then (and on a master without Studios) a stop has nothing to do.
 */
export interface ProjectStudios {
  /** Stops and removes the project's Studio, if one runs or is starting. */
  stop(project: string): Promise<void>;
  /** The Studio front hands over how it stops one project's Studio; returns the detach. */
  attach(stop: (project: string) => Promise<void>): () => void;
}

export function createProjectStudios(): ProjectStudios {
  let stopper: ((project: string) => Promise<void>) | undefined;
  return {
    async stop(project) {
      await stopper?.(project);
    },
    attach(stop) {
      stopper = stop;
      return () => {
        if (stopper === stop) stopper = undefined;
      };
    },
  };
}
