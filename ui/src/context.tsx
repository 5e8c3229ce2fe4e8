import { createContext, useContext } from 'react'
import type { Label, Team } from './api'

export interface TeamInfo {
  team: Team
  /** The zone every day and time is shown in: the team's, or UTC if the browser does not know it. */
  tz: string
  /** The team's labels (GET /labels), or [] while they load. */
  labels: Label[]
  /** False until GET /labels answered. */
  labelsLoaded: boolean
  reloadLabels: () => void
}

export const TeamContext = createContext<TeamInfo | null>(null)

/** The current team; only inside a team's pages. */
export function useTeam(): TeamInfo {
  const t = useContext(TeamContext)
  if (!t) throw new Error('useTeam outside a team page')
  return t
}
