// Capacity planning: workload demand, the mixed-integer model, the solvers, and the solve-and-simulate rounds.
export type { PodDemand } from './demand.js';
export { workloadDemand } from './demand.js';
export type { Candidate, FitClass, Group, ModelLayout, ModelOptions, PlanningProblem, ProblemOptions, Resource, Window } from './model.js';
export { buildModel, buildProblem, defaultWindowMs, DEFAULT_WINDOWS, nodesPerWindow, planCost, poolNameFor, RESOURCES, uncoveredRow, undominatedTypes } from './model.js';
export type { PlannedPool, PlanOptions, PlanResult, PlanRound, Slo, SolvedPlan, SolveStep } from './plan.js';
export { DEFAULT_GAP, explainInfeasible, learnedAllowance, poolLimitProblem, plannedPools, poolsYaml, runPlan, sloViolations, solvePlan } from './plan.js';
export type { Column, LinearModel, LinearSolution, LinearSolver, Row, SolveOptions, SolverName, SolveStatus } from './solver.js';
export { createSolver, DEFAULT_SOLVER, isFeasible, objectiveOf, SOLVER_NAMES, toLpText } from './solver.js';
