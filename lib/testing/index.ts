// `express-zhichi-pay/testing`: tools for testing an integration without the platform.
export {
  PlatformSimulator,
  type PlatformSimulatorOptions,
  type SimulatedResponse,
  type SimulatorTarget,
} from './platform-simulator';
